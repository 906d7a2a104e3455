Sidekiq.configure_server do |config|
  config[:dead_timeout] = 3600 # expect: sidekiq-option-unknown
  def oops(
end
