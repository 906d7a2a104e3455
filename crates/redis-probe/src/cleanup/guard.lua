-- redis-audit cleanup: re-check each key against the selection and act on it, atomically.
-- KEYS: the candidates of one batch. ARGV: action ("del" | "expire"), ttl seconds, expire
-- mode ("nx" | "cap"), types (",string,hash," or ""), no_ttl ("1" | "0"), idle_over seconds
-- (-1: any), larger_than bytes (-1: any), measure ("1": sum MEMORY USAGE of changed keys).
-- Returns {changed, bytes, no_longer_matching, gone}.
-- TYPE, PTTL, OBJECT and MEMORY look keys up without touching their LRU/LFU clock.
if redis.replicate_commands then pcall(redis.replicate_commands) end
local action, ttl, mode = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local types, no_ttl = ARGV[4], ARGV[5] == "1"
local idle_over, larger_than, measure = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8] == "1"
local changed, bytes, skipped, gone = 0, 0, 0, 0
for _, k in ipairs(KEYS) do
  local t = redis.call("TYPE", k)
  t = t.ok or t
  if t == "none" then
    gone = gone + 1
  else
    local ok = types == "" or string.find(types, "," .. t .. ",", 1, true) ~= nil
    local pttl = -1
    if ok and (no_ttl or action == "expire") then pttl = redis.call("PTTL", k) end
    if ok and no_ttl and pttl ~= -1 then ok = false end
    if ok and idle_over >= 0 and redis.call("OBJECT", "IDLETIME", k) < idle_over then ok = false end
    local size = 0
    if ok and (larger_than >= 0 or measure) then size = redis.call("MEMORY", "USAGE", k) or 0 end
    if ok and larger_than >= 0 and size <= larger_than then ok = false end
    if ok and action == "expire" then
      if mode == "nx" then
        ok = pttl == -1
      else
        ok = pttl == -1 or pttl > ttl * 1000
      end
      if ok then redis.call("EXPIRE", k, ttl) end
    elseif ok then
      redis.call("UNLINK", k)
    end
    if ok then
      changed = changed + 1
      bytes = bytes + size
    else
      skipped = skipped + 1
    end
  end
end
return {changed, bytes, skipped, gone}
