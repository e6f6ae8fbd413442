namespace VitalTwin.TwinState.Snapshots;

/// <summary>Configuration section <c>Snapshots</c>: which store keeps twin snapshots, and how to reach it.</summary>
public sealed class SnapshotOptions
{
    public const string SectionName = "Snapshots";
    public const string MemoryStore = "Memory";
    public const string DaprStore = "Dapr";

    /// <summary><c>Memory</c> (the default: nothing to install) or <c>Dapr</c>.</summary>
    public string Store { get; set; } = MemoryStore;

    public DaprSnapshotOptions Dapr { get; set; } = new();

    internal bool UsesDapr => string.Equals(Store, DaprStore, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Configuration section <c>Snapshots:Dapr</c>, read only when <c>Snapshots:Store</c> is <c>Dapr</c>.</summary>
public sealed class DaprSnapshotOptions
{
    /// <summary>The state store component's <c>metadata.name</c>. Required.</summary>
    public string? StoreName { get; set; }

    /// <summary>The sidecar's gRPC address; unset, it is found as Dapr does (DAPR_GRPC_ENDPOINT, then DAPR_GRPC_PORT, then 50001).</summary>
    public string? GrpcEndpoint { get; set; }

    /// <summary>The sidecar's API token; unset, it is read from DAPR_API_TOKEN as Dapr does.</summary>
    public string? ApiToken { get; set; }

    /// <summary>Snapshots per sidecar call, so that one call stays under the gRPC and sidecar message size limits (4 MiB by default).</summary>
    public int MaxBatchSize { get; set; } = 100;

    /// <summary>Retries of a call the sidecar answered with Unavailable; 0 turns retrying off.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>The first retry's delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
