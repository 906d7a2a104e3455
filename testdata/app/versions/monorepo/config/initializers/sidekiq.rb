Sidekiq.configure_server do |config|
  config.options[:queues] = %w[critical default]
end
