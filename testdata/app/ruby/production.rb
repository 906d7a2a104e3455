Rails.application.configure do
  # expect: rails-cache-store-without-expiry(info)
  config.cache_store = :redis_cache_store, { url: ENV["REDIS_URL"], namespace: "cache" }
  # expect: rails-session-store-without-expiry
  config.session_store :cache_store, key: "_app_session"
end
