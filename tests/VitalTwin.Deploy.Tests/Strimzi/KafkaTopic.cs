using k8s;
using k8s.Models;

namespace VitalTwin.Deploy.Tests.Strimzi;

/// <summary>
/// Strimzi's KafkaTopic resource (kafka.strimzi.io/v1beta2) as the chart renders it for Strimzi's topic operator
/// (the spec only: the operator writes the status). Read strictly, so a field its schema lacks fails the test.
/// </summary>
public sealed class KafkaTopic : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiGroupVersion = "kafka.strimzi.io/v1beta2";

    public string ApiVersion { get; set; } = ApiGroupVersion;

    public string Kind { get; set; } = "KafkaTopic";

    public V1ObjectMeta Metadata { get; set; } = new();

    public KafkaTopicSpec Spec { get; set; } = new();
}

public sealed class KafkaTopicSpec
{
    public string? TopicName { get; set; }

    public int? Partitions { get; set; }

    public int? Replicas { get; set; }

    /// <summary>Topic-level Kafka settings (cleanup.policy, retention.ms, ...), numbers and strings alike.</summary>
    public IDictionary<string, object>? Config { get; set; }
}
