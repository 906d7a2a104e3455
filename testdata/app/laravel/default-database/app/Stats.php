<?php
// No .env: the default store is the config's fallback, database.
Cache::forever('stats', 1);
Cache::store('redis')->forever('stats', 1); // expect: laravel-cache-forever-on-redis
Cache::driver('redis')->rememberForever('s', fn () => 1); // expect: laravel-cache-forever-on-redis
Cache::store('database')->forever('stats', 1);
