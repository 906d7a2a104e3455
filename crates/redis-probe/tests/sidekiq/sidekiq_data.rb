# Writes and reads Sidekiq data with Sidekiq's own code, for tests/cleanup_sidekiq.rs.
# REDIS_URL names the server (Sidekiq reads it itself).
#
#   ruby sidekiq_data.rb seed NOW        failed jobs at chosen ages (retry, dead); prints their jids
#   ruby sidekiq_data.rb kill-now        one job dies now, as during a cleanup; prints its jid
#   ruby sidekiq_data.rb stats NOW DAYS  daily stats for DAYS days up to NOW
#   ruby sidekiq_data.rb check DAYS      what Sidekiq's API reads back, as JSON
#
# Ages come from the real code paths (JobRetry, DeadSet#kill, Scheduled::Enq,
# Launcher.flush_stats) run under a shifted clock: they stamp Time.now into
# failed_at, the dead score and the stat:*:DATE name, exactly as Sidekiq would
# have done that day.
require "json"
require "sidekiq"
require "sidekiq/api"
require "sidekiq/job_retry"
require "sidekiq/scheduled"
require "sidekiq/launcher"

# sidekiq 6.4 + redis-rb 4.8 print a deprecation line per command; silence it.
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)
Sidekiq.logger.level = Logger::WARN

class PaymentError < StandardError; end

class FlakyPaymentWorker
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: 10
end

class DoomedImportWorker
  include Sidekiq::Worker
  sidekiq_options queue: "low", retry: 0
end

module FakeClock
  def now(*args, **kw)
    $fake_now ? Time.at($fake_now) : super
  end
end
Time.singleton_class.prepend(FakeClock)

def at(time)
  $fake_now = time
  yield
ensure
  $fake_now = nil
end

DAY = 24 * 60 * 60

# Pushes a job and runs it to failure the way a Sidekiq processor does: popped from its
# queue, then the global retry handler (retry, or the morgue when retries are exhausted).
def push(klass, arg, time)
  at(time) { Sidekiq::Client.push("class" => klass, "args" => [arg]) }
end

def fail_next(queue, time)
  jobstr = Sidekiq.redis { |c| c.rpop("queue:#{queue}") } or raise "queue #{queue} is empty"
  at(time) do
    Sidekiq::JobRetry.new.global(jobstr, queue) { raise PaymentError, "card declined" }
  rescue Sidekiq::JobRetry::Handled
  end
  JSON.parse(jobstr)["jid"]
end

def fail_job(klass, arg, time)
  push(klass, arg, time)
  fail_next(klass.get_sidekiq_options["queue"], time)
end

def seed(now)
  jids = Hash.new { |h, k| h[k] = [] }
  # retry, first failed 60 days ago and failed again a second ago: an old failed_at under a
  # recent next-attempt score. Their first retry is due, so Sidekiq's poller re-enqueues them.
  4.times { |i| jids["retry_60d_refailed"] << fail_job(FlakyPaymentWorker, "a#{i}", now - 60 * DAY + i) }
  at(now - 1) { Sidekiq::Scheduled::Enq.new.enqueue_jobs(["retry"]) }
  4.times { fail_next("default", now - 1) }
  2.times { |i| jids["retry_45d"] << fail_job(FlakyPaymentWorker, "b#{i}", now - 45 * DAY + i) }
  # failed a day ago: an older score than the first group, a newer failed_at.
  4.times { |i| jids["retry_1d"] << fail_job(FlakyPaymentWorker, "c#{i}", now - DAY + i) }
  # Members without a failed_at: a JSON string, and a member that is not JSON at all.
  Sidekiq::RetrySet.new.schedule(now + 3600, "just a string")
  Sidekiq.redis { |c| c.zadd("retry", (now + 7200).to_s, "not json {") }

  5.times { |i| jids["dead_100d"] << fail_job(DoomedImportWorker, "d#{i}", now - 100 * DAY + i) }
  5.times { |i| jids["dead_40d"] << fail_job(DoomedImportWorker, "e#{i}", now - 40 * DAY + i) }
  at(now - 50 * DAY) { Sidekiq::DeadSet.new.kill("not json {", notify_failure: false) }
  5.times { |i| jids["dead_1d"] << fail_job(DoomedImportWorker, "f#{i}", now - DAY + i) }
  puts JSON.generate(jids)
end

def stats(now, days)
  days.times do |d|
    Sidekiq::Processor::PROCESSED.incr(100 + d)
    Sidekiq::Processor::FAILURE.incr(d)
    at(now - d * DAY) { Sidekiq::Launcher.flush_stats }
  end
end

# Every entry through the API the Web UI uses: a payload this cannot render is corrupt.
def entries(set)
  set.map do |e|
    e.display_class
    e.display_args
    item = e.item.is_a?(Hash) ? e.item : {}
    {"jid" => item["jid"], "class" => item["class"], "score" => e.score, "at" => e.at.to_f,
     "failed_at" => item["failed_at"], "value" => e.value}
  end
end

def check(days)
  st = Sidekiq::Stats.new
  history = Sidekiq::Stats::History.new(days)
  puts JSON.generate(
    "dead_size" => Sidekiq::DeadSet.new.size,
    "retry_size" => Sidekiq::RetrySet.new.size,
    "dead" => entries(Sidekiq::DeadSet.new),
    "retry" => entries(Sidekiq::RetrySet.new),
    "processed" => st.processed,
    "failed" => st.failed,
    "history_processed" => history.processed,
    "history_failed" => history.failed
  )
end

case ARGV[0]
when "seed" then seed(Float(ARGV[1]))
when "kill-now" then puts JSON.generate(fail_job(DoomedImportWorker, "now", Time.now.to_f))
when "stats" then stats(Float(ARGV[1]), Integer(ARGV[2]))
when "check" then check(Integer(ARGV[1] || "1"))
else abort "usage: sidekiq_data.rb seed NOW | kill-now | stats NOW DAYS | check DAYS"
end
