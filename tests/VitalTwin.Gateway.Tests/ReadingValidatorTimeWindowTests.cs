using VitalTwin.Contracts.Telemetry.V1;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

public class ReadingValidatorTimeWindowTests
{
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxReadingAge = TimeSpan.FromHours(2);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly ValidatorHarness _gateway = new(new GatewayOptions { MaxClockSkew = MaxClockSkew, MaxReadingAge = MaxReadingAge });

    [Fact]
    public void Reading_stamped_exactly_max_clock_skew_ahead_is_accepted()
    {
        _gateway.AssertAccepted(Readings.HeartRate(observedAt: Readings.Now + MaxClockSkew));
    }

    [Fact]
    public void Reading_stamped_beyond_max_clock_skew_ahead_is_refused()
    {
        var validation = _gateway.AssertRejected(Readings.HeartRate(observedAt: Readings.Now + MaxClockSkew + Tick), RejectionReason.TimestampOutOfBounds);

        Assert.Equal("observed_at is outside the accepted time window", validation.Detail);
    }

    [Fact]
    public void Reading_exactly_max_reading_age_old_is_accepted()
    {
        _gateway.AssertAccepted(Readings.HeartRate(observedAt: Readings.Now - MaxReadingAge));
    }

    [Fact]
    public void Reading_older_than_max_reading_age_is_refused()
    {
        var validation = _gateway.AssertRejected(Readings.HeartRate(observedAt: Readings.Now - MaxReadingAge - Tick), RejectionReason.TimestampOutOfBounds);

        Assert.Equal("observed_at is outside the accepted time window", validation.Detail);
    }

    [Fact]
    public void Window_follows_the_clock()
    {
        var reading = Readings.HeartRate(observedAt: Readings.Now - MaxReadingAge);
        _gateway.AssertAccepted(reading);

        _gateway.Clock.Advance(Tick);

        _gateway.AssertRejected(reading, RejectionReason.TimestampOutOfBounds);
    }

    [Fact]
    public void Defaults_accept_five_minutes_ahead_and_a_day_behind()
    {
        var gateway = new ValidatorHarness();
        var fiveMinutes = TimeSpan.FromMinutes(5);
        var aDay = TimeSpan.FromDays(1);

        gateway.AssertAccepted(Readings.HeartRate(observedAt: Readings.Now + fiveMinutes));
        gateway.AssertAccepted(Readings.HeartRate(observedAt: Readings.Now - aDay));
        gateway.AssertRejected(Readings.HeartRate(observedAt: Readings.Now + fiveMinutes + Tick), RejectionReason.TimestampOutOfBounds);
        gateway.AssertRejected(Readings.HeartRate(observedAt: Readings.Now - aDay - Tick), RejectionReason.TimestampOutOfBounds);
    }

    // Protobuf refuses to convert a Timestamp outside 0001-9999 or with nanos outside 0..999 999 999; a device
    // can still send one, and it must be refused like any other bad field rather than fail the whole call.
    [Theory]
    [InlineData(1_748_764_800, -1)]
    [InlineData(1_748_764_800, 1_000_000_000)]
    [InlineData(253_402_300_800, 0)]
    [InlineData(-62_135_596_801, 0)]
    public void Timestamp_protobuf_cannot_represent_is_refused_not_thrown(long seconds, int nanos)
    {
        var reading = Readings.HeartRate();
        reading.ObservedAt = new Timestamp { Seconds = seconds, Nanos = nanos };

        var validation = _gateway.Validate(reading);

        Assert.False(validation.Accepted);
        Assert.Contains(validation.Reason, new[] { RejectionReason.Malformed, RejectionReason.TimestampOutOfBounds });
    }
}
