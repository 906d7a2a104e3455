<?php

return [
    'default' => env('CACHE_STORE', 'database'),
    'stores' => [
        'database' => ['driver' => 'database'],
        'redis' => ['driver' => 'redis', 'connection' => 'cache'],
    ],
];
