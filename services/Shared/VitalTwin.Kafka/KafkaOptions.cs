using System.ComponentModel.DataAnnotations;
using VitalTwin.Kafka.Security;

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

    /// <summary>
    /// How long the group waits for a silent member before moving its partitions. Kafka's default (45 s) suits
    /// real clusters; the embedded mock also makes a restarted member wait this long to rejoin, so one-machine
    /// runs shorten it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "00:30:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Client id reported to the brokers; defaults to the application name.</summary>
    public string? ClientId { get; set; }

    /// <summary>How long the readiness probe waits for the cluster's metadata before it calls Kafka unreachable.</summary>
    /// <summary>
    /// How long a fetch may wait at the broker for new events. An event that arrives meanwhile is answered at once by
    /// a real broker, but librdkafka's mock cluster holds the fetch for the whole wait, and each Kafka hop on the way
    /// from a reading to its alert adds up to this much; librdkafka's own default is 500 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan FetchWaitMax { get; set; } = TimeSpan.FromMilliseconds(50);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>TLS and SASL for every client, from <c>Kafka:Security</c>; plaintext unless configured.</summary>
    public KafkaSecurityOptions Security { get; set; } = new();

    /// <summary>How long a probe's answer is reused, so frequent readiness checks do not each ask the brokers.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan HealthCheckCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}
