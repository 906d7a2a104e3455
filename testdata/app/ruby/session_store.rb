Rails.application.config.session_store :redis_session_store, # expect: rails-session-store-without-expiry
  key: "_app_session",
  redis: { url: ENV["REDIS_SESSION_URL"], key_prefix: "app:session:" }

Rails.application.config.session_store :redis_session_store,
  key: "_app_session",
  redis: { url: ENV["REDIS_SESSION_URL"], expire_after: 2.hours, key_prefix: "app:session:" }

Rails.application.config.session_store :redis_session_store,
  key: "_app_session",
  redis: { url: ENV["REDIS_SESSION_URL"], ttl: 2.hours }

Rails.application.config.session_store :redis_session_store, key: "_s", expire_after: 1.day,
  redis: { url: ENV["REDIS_SESSION_URL"] }

Rails.application.config.session_store :redis_session_store, key: "_s", redis: session_redis

Rails.application.config.session_store :redis_store, servers: ["redis://r:6379/0/session"] # expect: rails-session-store-without-expiry
Rails.application.config.session_store :redis_store, servers: ["redis://r:6379/0/session"], expire_after: 90.minutes
Rails.application.config.session_store :cookie_store, key: "_app_session"
# The cache store is configured in another file: unknown.
Rails.application.config.session_store :cache_store
