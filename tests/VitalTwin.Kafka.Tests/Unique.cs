namespace VitalTwin.Kafka.Tests;

/// <summary>Topic and group names no other test uses, so tests sharing a cluster never see each other's data.</summary>
internal static class Unique
{
    public static string Name(string purpose) => $"test-{purpose}-{Guid.NewGuid():N}";
}
