using Microsoft.Extensions.Time.Testing;
using VitalTwin.Load.Generation;

namespace VitalTwin.Load.Tests;

public sealed class TokenBucketTests
{
    [Fact]
    public void A_full_bucket_lets_one_burst_through_and_then_paces_to_the_rate()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 1_000, burst: 200, clock);

        Assert.Equal(TimeSpan.Zero, bucket.Take(100));
        Assert.Equal(TimeSpan.Zero, bucket.Take(100));
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.Take(100));
        Assert.Equal(TimeSpan.FromMilliseconds(200), bucket.Take(100));
    }

    [Fact]
    public void Debt_is_waited_off_so_the_long_run_rate_is_exact()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 1_000, burst: 100, clock);
        bucket.Take(100);

        var sent = 0;
        for (var i = 0; i < 50; i++)
        {
            clock.Advance(bucket.Take(100));
            sent += 100;
        }

        // 50 batches of 100 after the first: 5,000 tokens at 1,000 a second.
        Assert.Equal(TimeSpan.FromSeconds(5), clock.GetUtcNow() - clock.Start);
        Assert.Equal(5_000, sent);
    }

    [Fact]
    public void After_a_stall_at_most_the_burst_is_free()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 1_000, burst: 200, clock);
        bucket.Take(200);

        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.Zero, bucket.Take(200));
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.Take(100));
    }

    [Fact]
    public async Task Waiting_completes_when_the_clock_reaches_the_tokens()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 100, burst: 10, clock);
        await bucket.WaitAsync(10, CancellationToken.None);

        var waiting = bucket.WaitAsync(10, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
