class DefaultJob
  include Sidekiq::Job
  sidekiq_options retry: true
end

class FewRetriesJob
  include Sidekiq::Job
  sidekiq_options retry: 5, queue: "low"
end

class NoRetryJob
  include Sidekiq::Worker
  sidekiq_options retry: false
end

class LimitJob
  include Sidekiq::Job
  sidekiq_options retry: 25
end

class ForeverJob
  include Sidekiq::Job
  sidekiq_options queue: "sync", retry: 50 # expect: sidekiq-retry-count-high
end

class HashRocketJob
  include Sidekiq::Job
  sidekiq_options "retry" => 30 # expect: sidekiq-retry-count-high
end

class EnvJob
  include Sidekiq::Job
  sidekiq_options retry: ENV.fetch("RETRIES", 100).to_i
end
