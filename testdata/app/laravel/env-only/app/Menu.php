<?php
// No config/cache.php in the tree; .env picks the redis store.
Cache::forever('menu', []); // expect: laravel-cache-forever-on-redis
