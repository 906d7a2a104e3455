<?php
// .env wins over .env.example and over the config fallback: the file store.
Cache::forever('menu', []);
