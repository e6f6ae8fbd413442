using System.Diagnostics.CodeAnalysis;

namespace VitalTwin.Gateway.Mqtt;

/// <summary>The door's two topics: a device's readings, and the acknowledgements of what was sent under its id.</summary>
internal static class MqttTopics
{
    private const string Prefix = "vitaltwin/v1/devices/";
    private const string ReadingsSuffix = "/readings";
    private const string AcksSuffix = "/acks";

    /// <summary>Where a system (a bridge) subscribes for the acknowledgements of all the devices it sends for.</summary>
    public const string AnyAcks = Prefix + "+" + AcksSuffix;

    public static string Acks(string deviceId) => Prefix + deviceId + AcksSuffix;

    public static bool TryReadings(string topic, [NotNullWhen(true)] out string? deviceId) => TryDevice(topic, ReadingsSuffix, out deviceId);

    public static bool TryAcks(string topicFilter, [NotNullWhen(true)] out string? deviceId) => TryDevice(topicFilter, AcksSuffix, out deviceId);

    private static bool TryDevice(string topic, string suffix, [NotNullWhen(true)] out string? deviceId)
    {
        deviceId = null;
        if (!topic.StartsWith(Prefix, StringComparison.Ordinal) || !topic.EndsWith(suffix, StringComparison.Ordinal) || topic.Length <= Prefix.Length + suffix.Length)
        {
            return false;
        }
        var id = topic[Prefix.Length..^suffix.Length];
        if (id.Contains('/') || id.Contains('#') || (id.Contains('+') && id != "+"))
        {
            return false;
        }
        deviceId = id;
        return true;
    }
}
