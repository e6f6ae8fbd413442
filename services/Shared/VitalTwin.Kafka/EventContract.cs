using Google.Protobuf.WellKnownTypes;

namespace VitalTwin.Kafka;

/// <summary>
/// The checks every consumer makes before an event may touch state. A failed check throws
/// <see cref="InvalidDataException"/>, which the consume loop dead-letters, so a hostile or broken record never
/// reaches another patient's state.
/// </summary>
public static class EventContract
{
    // The widest window a Gateway can be configured to accept readings in (MaxClockSkew, MaxReadingAge); the times
    // of every derived event (anomalies, twin events) come from readings.
    private static readonly TimeSpan MaxAhead = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxAge = TimeSpan.FromDays(3_650);

    /// <summary>An event keyed by another patient than its own sits on that patient's partition: never applied.</summary>
    public static void EnsureKeyedBy(ConsumedEvent consumed, string patientId)
    {
        ArgumentNullException.ThrowIfNull(consumed);
        if (string.IsNullOrEmpty(patientId) || !string.Equals(consumed.Key, patientId, StringComparison.Ordinal))
        {
            throw new InvalidDataException("The event is not keyed by its patient.");
        }
    }

    /// <summary>A valid timestamp inside the widest window any Gateway accepts readings in, around <paramref name="now"/>.</summary>
    public static bool IsPlausibleTime(Timestamp? time, DateTimeOffset now) =>
        time is { Nanos: >= 0 and <= 999_999_999, Seconds: >= -62_135_596_800 and <= 253_402_300_799 }
        && time.ToDateTimeOffset() is var at && at <= now + MaxAhead && at >= now - MaxAge;
}
