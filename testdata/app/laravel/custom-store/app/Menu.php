<?php
// The default store 'shared' has the redis driver; 'redis' is not a store here.
Cache::forever('menu', []); // expect: laravel-cache-forever-on-redis
Cache::store('local')->forever('menu', []);
Cache::store('redis')->forever('menu', []);
