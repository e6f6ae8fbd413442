using System.ComponentModel.DataAnnotations;

namespace VitalTwin.ServiceDefaults.Routing;

/// <summary>How this instance tells the others where it answers for the partitions it holds (<c>Routing</c>).</summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Routing";

    /// <summary>
    /// The gRPC base address other replicas reach this one at. Empty: the address Kestrel bound its <c>Grpc</c>
    /// endpoint to, with a wildcard host replaced by <c>POD_IP</c> (set from the pod's status in Kubernetes).
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>How long a forwarded call may take before the caller is told to retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ForwardTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
