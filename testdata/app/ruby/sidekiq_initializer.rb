# Sidekiq server settings. Comments may say dead_timeout, config.options[:x] or
# sidekiq_options retry: 99 without being findings.
Sidekiq.configure_server do |config|
  config.redis = { url: ENV.fetch("REDIS_URL") }
  config[:dead_timeout] = 30 * 24 * 60 * 60 # expect: sidekiq-option-unknown
  config[:dead_timeout_in_seconds] = 30 * 24 * 60 * 60
  config[:dead_max_jobs] = ENV.fetch("DEAD_MAX", 1_000_000).to_i
  config[:max_retries] = 10
  # expect: sidekiq-option-unknown
  config[:max_retry] = 5
  config.merge!(dead_max: 500) # expect: sidekiq-option-unknown
  # expect: sidekiq-dead-limit-raised
  config[:dead_timeout_in_seconds] = 2.years
  config[:max_retries] = 40 # expect: sidekiq-retry-count-high
  config.capsule("single") do |cap|
    cap.concurrency = 1
  end
end

Sidekiq.configure_client do |cfg|
  cfg[:dead_max_jobs] = nil # expect: sidekiq-dead-limit-raised
end

# Someone else's hash: not Sidekiq's config.
config = {}
config[:dead_timeout] = 5
settings[:dead_max_jobs] = 10_000_000
