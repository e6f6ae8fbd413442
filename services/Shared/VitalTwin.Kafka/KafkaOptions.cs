using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Kafka;

/// <summary>Connection to the Kafka cluster, bound from the <c>Kafka</c> section.</summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>Comma-separated <c>host:port</c> list.</summary>
    [Required]
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>Consumer group of this service; every instance of a service shares it.</summary>
    public string? GroupId { get; set; }

    /// <summary>Client id reported to the brokers; defaults to the application name.</summary>
    public string? ClientId { get; set; }
}
