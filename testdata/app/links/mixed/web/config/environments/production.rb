Rails.application.configure do
  config.cache_store = :redis_cache_store, { url: "redis://shared-redis:6379/1", expires_in: 1.hour }
end
