<?php
return [
    'default' => env('CACHE_DRIVER', 'redis'),
    'stores' => [
        'file' => ['driver' => 'file'],
        'redis' => ['driver' => 'redis'],
    ],
];
