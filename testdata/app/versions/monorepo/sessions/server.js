const session = require("express-session");
const RedisStore = require("connect-redis")(session);

app.use(session({ store: new RedisStore({ client, disableTTL: true }), secret: "s" }));
