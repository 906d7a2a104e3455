<?php

namespace App\Services;

use Illuminate\Support\Facades\Cache;

class Rates
{
    public function __construct(private \Illuminate\Contracts\Cache\Repository $cache) {}

    public function all(int $userId): array
    {
        Cache::forever("rates:{$userId}", $this->fetch()); // expect: laravel-cache-forever-on-redis
        $a = Cache::rememberForever('rates', fn () => $this->fetch()); // expect: laravel-cache-forever-on-redis
        $b = Cache::sear('rates2', fn () => 1); // expect: laravel-cache-forever-on-redis
        Cache::put('last', $a); // expect: laravel-cache-forever-on-redis
        Cache::put('last', $a, null); // expect: laravel-cache-forever-on-redis
        cache()->forever('x', 1); // expect: laravel-cache-forever-on-redis
        Cache::tags(['rates'])->forever('t', 1); // expect: laravel-cache-forever-on-redis
        Cache::remember('r', null, fn () => 1); // expect: laravel-cache-forever-on-redis
        \Illuminate\Support\Facades\Cache::add('once', 1); // expect: laravel-cache-forever-on-redis

        // Bounded, or not Redis, or not known: nothing.
        Cache::put('last', $a, 600);
        Cache::put('last', $a, now()->addMinutes(10));
        Cache::put(key: 'k', value: 1, ttl: 60);
        Cache::put(['a' => 1, 'b' => 2], 60);
        Cache::remember('r', 60, fn () => 1);
        Cache::store('file')->forever('f', 1);
        Cache::store($name)->forever('f', 1);
        $this->cache->forever('injected', 1);
        Cache::get('rates');
        Cache::put(...$args);
        return $a;
    }
}
