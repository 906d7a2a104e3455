# Sidekiq 6.4 style.
Sidekiq.configure_server do |config|
  # expect: sidekiq-options-api-removed, sidekiq-option-unknown
  config.options[:dead_timeout] = 30 * 24 * 3600
  config.options[:dead_max_jobs] = 5_000 # expect: sidekiq-options-api-removed
end

# expect: sidekiq-options-api-removed, sidekiq-dead-limit-raised
Sidekiq.options[:dead_max_jobs] = 1_000_000
Sidekiq.options[:dead_timeout_in_seconds] = Float::INFINITY # expect: sidekiq-options-api-removed, sidekiq-dead-limit-raised
Sidekiq.options = { dead_max_jobs: 5_000 } # expect: sidekiq-options-api-removed
Sidekiq[:max_retries] = 26 # expect: sidekiq-retry-count-high
Sidekiq.default_configuration[:dead_ttl] = 3600 # expect: sidekiq-option-unknown
Sidekiq.default_job_options = { "retry" => 100 } # expect: sidekiq-retry-count-high
Sidekiq.default_job_options = { "retry" => true, "queue" => "default" }
