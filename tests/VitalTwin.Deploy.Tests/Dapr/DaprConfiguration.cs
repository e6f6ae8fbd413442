using k8s;
using k8s.Models;

namespace VitalTwin.Deploy.Tests.Dapr;

/// <summary>
/// Dapr's Configuration resource (dapr.io/v1alpha1): the tracing and metric parts of its documented schema,
/// the only parts VitalTwin sets. Read strictly, so anything else in a manifest fails until modelled here.
/// </summary>
public sealed class DaprConfiguration : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = DaprComponent.ApiGroupVersion;

    public string Kind { get; set; } = "Configuration";

    public V1ObjectMeta Metadata { get; set; } = new();

    public DaprConfigurationSpec Spec { get; set; } = new();

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrEmpty(Metadata?.Name))
        {
            yield return "metadata.name is required";
        }

        if (Spec.Tracing is { } tracing)
        {
            // The sampling rate is a string holding a number between 0 and 1.
            if (!double.TryParse(tracing.SamplingRate, System.Globalization.CultureInfo.InvariantCulture, out var rate) || rate is < 0 or > 1)
            {
                yield return $"spec.tracing.samplingRate '{tracing.SamplingRate}' must be a number from 0 to 1, quoted";
            }

            if (tracing.Otel is { } otel && (string.IsNullOrEmpty(otel.EndpointAddress) || otel.Protocol is not ("grpc" or "http")))
            {
                yield return "spec.tracing.otel needs endpointAddress and protocol grpc or http";
            }
        }
    }
}

public sealed class DaprConfigurationSpec
{
    public DaprTracing? Tracing { get; set; }

    public DaprMetric? Metric { get; set; }
}

public sealed class DaprTracing
{
    public string? SamplingRate { get; set; }

    public bool? Stdout { get; set; }

    public DaprOtel? Otel { get; set; }

    public DaprZipkin? Zipkin { get; set; }
}

public sealed class DaprOtel
{
    public string? EndpointAddress { get; set; }

    public bool? IsSecure { get; set; }

    public string? Protocol { get; set; }
}

public sealed class DaprZipkin
{
    public string? EndpointAddress { get; set; }
}

public sealed class DaprMetric
{
    public bool? Enabled { get; set; }
}
