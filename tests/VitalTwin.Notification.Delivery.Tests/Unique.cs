namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>Topic, group and subscription names no other test uses, so tests sharing a cluster never see each other's data.</summary>
internal static class Unique
{
    public static string Name(string purpose) => $"test-{purpose}-{Guid.NewGuid():N}";
}
