using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace VitalTwin.TwinState.Snapshots;

/// <summary>
/// Twin snapshots in a Dapr state store, through the sidecar's gRPC API. Values are stored as JSON strings of
/// base64 (DaprClient's bulk calls speak JSON only), so any Dapr SDK can read them back as bytes.
/// </summary>
public sealed partial class DaprSnapshotStore : ISnapshotStore
{
    /// <summary>The name of the Polly pipeline every sidecar call goes through.</summary>
    public const string PipelineName = "VitalTwin.TwinState.Snapshots.Dapr";

    /// <summary>The DI key of the <see cref="DaprClient"/> this store uses, kept apart from any other registered client.</summary>
    public const string ClientKey = "VitalTwin.TwinState.Snapshots";

    private static readonly StateOptions OptimisticConcurrency = new() { Concurrency = ConcurrencyMode.FirstWrite };

    private readonly DaprClient _client;
    private readonly DaprSnapshotOptions _options;
    private readonly string _storeName;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<DaprSnapshotStore> _logger;

    public DaprSnapshotStore(
        [FromKeyedServices(ClientKey)] DaprClient client,
        IOptions<SnapshotOptions> options,
        ResiliencePipelineProvider<string> pipelines,
        ILogger<DaprSnapshotStore> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipelines);
        _client = client;
        _options = options.Value.Dapr;
        _storeName = _options.StoreName ?? throw new OptionsValidationException(
            SnapshotOptions.SectionName, typeof(SnapshotOptions), [$"{SnapshotOptions.SectionName}:Dapr:StoreName is required."]);
        _pipeline = pipelines.GetPipeline(PipelineName);
        _logger = logger;
        LogUsingStore(_storeName);
    }

    public async Task SaveAsync(IReadOnlyList<Snapshot> snapshots, CancellationToken ct)
    {
        SnapshotValidation.ThrowIfInvalid(snapshots);
        foreach (var batch in snapshots.Chunk(_options.MaxBatchSize))
        {
            var items = Array.ConvertAll(batch, s => new SaveStateItem<ReadOnlyMemory<byte>>(
                s.Key,
                s.Data,
                // DaprClient declares the ETag non-null but sends none when it is null: that is last-write-wins.
                s.ETag!,
                s.ETag is null ? null : OptimisticConcurrency));
            await CallAsync("Saving", Array.ConvertAll(batch, s => s.Key), token => _client.SaveBulkStateAsync(_storeName, items, token), ct);
        }

        LogSaved(snapshots.Count);
    }

    public async Task<IReadOnlyList<Snapshot>> LoadAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        var distinct = SnapshotValidation.DistinctKeys(keys);
        var found = new Dictionary<string, Snapshot>(distinct.Count, StringComparer.Ordinal);
        foreach (var batch in distinct.Chunk(_options.MaxBatchSize))
        {
            IReadOnlyList<BulkStateItem<byte[]?>> items = [];
            await CallAsync(
                "Loading",
                batch,
                async token => items = await _client.GetBulkStateAsync<byte[]?>(_storeName, batch, parallelism: null, metadata: null, token),
                ct);

            // A missing key comes back with no data, which DaprClient turns into null. So does a key the store
            // failed to read: DaprClient drops the per-key error the sidecar sends.
            foreach (var item in items)
            {
                if (item.Value is not null)
                {
                    found[item.Key] = new Snapshot(item.Key, item.Value, string.IsNullOrEmpty(item.ETag) ? null : item.ETag);
                }
            }
        }

        LogLoaded(found.Count, distinct.Count);

        // The sidecar may answer in any order; callers get the order they asked in.
        var ordered = new List<Snapshot>(found.Count);
        foreach (var key in distinct)
        {
            if (found.TryGetValue(key, out var snapshot))
            {
                ordered.Add(snapshot);
            }
        }

        return ordered;
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        SnapshotValidation.ThrowIfInvalidKey(key, nameof(key));
        return CallAsync("Deleting", [key], token => _client.DeleteStateAsync(_storeName, key, stateOptions: null, metadata: null, token), ct);
    }

    internal static bool IsTransient(DaprException exception) =>
        exception.InnerException is RpcException { StatusCode: StatusCode.Unavailable };

    internal static DaprClient CreateClient(DaprSnapshotOptions options)
    {
        var endpoint = string.IsNullOrWhiteSpace(options.GrpcEndpoint) ? DaprDefaults.GetDefaultGrpcEndpoint() : options.GrpcEndpoint;
        var token = string.IsNullOrEmpty(options.ApiToken) ? DaprDefaults.GetDefaultDaprApiToken(configuration: null) : options.ApiToken;
        var channel = new GrpcChannelOptions
        {
            // DaprClientBuilder's own default, lost once channel options are given: a cancelled call then ends in
            // OperationCanceledException rather than a DaprException wrapping RpcException(Cancelled).
            ThrowOperationCanceledOnCancellation = true,
            HttpHandler = string.IsNullOrEmpty(token)
                ? null
                : new DaprApiTokenHandler(token) { InnerHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } },
        };

        return new DaprClientBuilder()
            .UseGrpcEndpoint(endpoint)
            .UseDaprApiToken(token)
            .UseGrpcChannelOptions(channel)
            .Build();
    }

    private async Task CallAsync(string operation, IReadOnlyCollection<string> keys, Func<CancellationToken, Task> call, CancellationToken ct)
    {
        try
        {
            await _pipeline.ExecuteAsync(static async (call, token) => await call(token), call, ct);
        }
        catch (DaprException ex) when (ex.InnerException is RpcException rpc)
        {
            // The sidecar's detail can quote keys ("failed deleting state with key ..."), and keys are patient ids:
            // the detail is kept with the keys masked, and the raw exception is not carried along to be logged.
            var detail = Mask(rpc.Status.Detail, keys);
            var what = $"{operation} {keys.Count} twin snapshot(s) in Dapr state store '{_storeName}'";
            if (rpc.StatusCode == StatusCode.Aborted)
            {
                throw new SnapshotConflictException($"{what} was refused: an ETag no longer matches ({detail}).");
            }

            var retried = IsTransient(ex) && _options.MaxRetryAttempts > 0 ? $" after {_options.MaxRetryAttempts} retries" : string.Empty;
            throw new SnapshotStoreException($"{what} failed{retried}: the sidecar answered {rpc.StatusCode} ({detail}).");
        }
        catch (DaprException ex)
        {
            throw new SnapshotStoreException($"{operation} {keys.Count} twin snapshot(s) in Dapr state store '{_storeName}' failed: {ex.Message}", ex);
        }
        catch (JsonException)
        {
            // Not chained either: the serializer's message can quote the stored value.
            throw new SnapshotStoreException(
                $"{operation} {keys.Count} twin snapshot(s) from Dapr state store '{_storeName}' failed: a stored value is not a snapshot written by this store.");
        }
    }

    private static string Mask(string detail, IReadOnlyCollection<string> keys)
    {
        foreach (var key in keys)
        {
            detail = detail.Replace(key, "<key>", StringComparison.Ordinal);
        }

        return detail;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Twin snapshots are kept in Dapr state store {StoreName}")]
    private partial void LogUsingStore(string storeName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Saved {Count} twin snapshots")]
    private partial void LogSaved(int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Loaded {Found} of {Requested} twin snapshots")]
    private partial void LogLoaded(int found, int requested);
}
