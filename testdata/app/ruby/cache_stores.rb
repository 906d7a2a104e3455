# Bounded: literal, alias, ENV, variable.
config.cache_store = :redis_cache_store, { url: ENV["REDIS_URL"], expires_in: 1.day }
config.cache_store = :redis_cache_store, { url: ENV["REDIS_URL"], expire_in: 12.hours }
config.cache_store = :redis_cache_store, { expires_in: ENV.fetch("CACHE_TTL", 3600).to_i.seconds }
config.cache_store = :redis_cache_store, { expires_in: cache_ttl }
# Unknown options: not judged.
config.cache_store = :redis_cache_store, cache_options
config.cache_store = :redis_cache_store, { url: ENV["REDIS_URL"], **shared_options }
config.cache_store = :memory_store, { size: 64.megabytes }
config.cache_store = :redis_cache_store # expect: rails-cache-store-without-expiry
config.cache_store = [:redis_cache_store, { url: "redis://cache", expires_in: nil }] # expect: rails-cache-store-without-expiry
# expect: rails-cache-store-without-expiry
store = ActiveSupport::Cache::RedisCacheStore.new(url: ENV["REDIS_URL"])
bounded = ActiveSupport::Cache::RedisCacheStore.new(url: ENV["REDIS_URL"], expires_in: 1.hour)
config.session_store :cache_store, key: "_app_session", expire_after: 2.weeks
