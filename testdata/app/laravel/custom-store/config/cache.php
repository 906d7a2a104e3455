<?php
return [
    'default' => 'shared',
    'stores' => [
        'shared' => ['driver' => 'redis', 'connection' => 'cache'],
        'local' => ['driver' => 'array'],
    ],
];
