<?php
// No config, no .env: the default store is unknown, only a named Redis store is reported.
Cache::forever('menu', []);
Cache::rememberForever('menu', fn () => []);
Cache::store('redis')->forever('menu', []); // expect: laravel-cache-forever-on-redis
cache()->store('redis')->put('menu', []); // expect: laravel-cache-forever-on-redis
