const { RedisStore } = require("connect-redis");
function broken( {
  return 1 +;
}
const store = new RedisStore({ client, disableTTL: true });
