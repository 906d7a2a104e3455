Sidekiq.configure_server do |config|
  config[:dead_max] = 100 # expect: sidekiq-option-unknown
end

class Broken
  sidekiq_options retry: 99 # expect: sidekiq-retry-count-high
  def perform(
end
