using Microsoft.Extensions.Options;

namespace VitalTwin.TwinState.Snapshots;

// A validator rather than data annotations: the Dapr settings matter only when the Dapr store is chosen.
internal sealed class SnapshotOptionsValidator : IValidateOptions<SnapshotOptions>
{
    private const string Section = SnapshotOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, SnapshotOptions options)
    {
        var failures = new List<string>();
        if (!options.UsesDapr && !string.Equals(options.Store, SnapshotOptions.MemoryStore, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{Section}:Store is '{options.Store}'; it must be '{SnapshotOptions.MemoryStore}' or '{SnapshotOptions.DaprStore}'.");
        }
        else if (options.UsesDapr)
        {
            ValidateDapr(options.Dapr, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateDapr(DaprSnapshotOptions dapr, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(dapr.StoreName))
        {
            failures.Add($"{Section}:Dapr:StoreName is required when {Section}:Store is '{SnapshotOptions.DaprStore}': name the Dapr state store component.");
        }

        if (!string.IsNullOrWhiteSpace(dapr.GrpcEndpoint)
            && !(Uri.TryCreate(dapr.GrpcEndpoint, UriKind.Absolute, out var endpoint) && (endpoint.Scheme == Uri.UriSchemeHttp || endpoint.Scheme == Uri.UriSchemeHttps)))
        {
            failures.Add($"{Section}:Dapr:GrpcEndpoint is '{dapr.GrpcEndpoint}'; it must be an absolute http or https address such as http://127.0.0.1:50001.");
        }

        if (dapr.MaxBatchSize is < 1 or > 10_000)
        {
            failures.Add($"{Section}:Dapr:MaxBatchSize is {dapr.MaxBatchSize}; it must be between 1 and 10000.");
        }

        if (dapr.MaxRetryAttempts is < 0 or > 10)
        {
            failures.Add($"{Section}:Dapr:MaxRetryAttempts is {dapr.MaxRetryAttempts}; it must be between 0 and 10.");
        }

        if (dapr.RetryBaseDelay <= TimeSpan.Zero || dapr.RetryBaseDelay > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{Section}:Dapr:RetryBaseDelay is {dapr.RetryBaseDelay}; it must be above zero and at most 00:00:30.");
        }
    }
}
