using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Routing.V1;
using VitalTwin.Kafka;

namespace VitalTwin.ServiceDefaults.Routing;

/// <summary>Where a patient is served: here, by another replica at <see cref="Address"/>, or nowhere known just now.</summary>
public readonly record struct PatientOwner(bool IsLocal, string? Address)
{
    public bool IsKnown => IsLocal || !string.IsNullOrEmpty(Address);
}

/// <summary>
/// Which replica of this consumer group holds which partitions. The consumer tells it what it was given and what it
/// lost (<see cref="Claim"/>, <see cref="Release"/>); it publishes that, with this replica's gRPC address, on the
/// members topic, and follows the topic to learn the other replicas' claims. A replica that stops tombstones its key.
/// </summary>
public sealed partial class OwnershipDirectory : TopicFollower, IHostedService
{
    private static readonly TimeSpan MetadataWait = TimeSpan.FromSeconds(5);

    private readonly KafkaOptions _kafka;
    private readonly EventProducer _producer;
    private readonly RoutingOptions _options;
    private readonly IServiceProvider _services;
    private readonly IConfiguration _configuration;
    private readonly string _group;
    private readonly string _patientTopic;
    private readonly string _instanceId = Guid.CreateVersion7().ToString("N");
    private readonly string _key;
    private readonly object _gate = new();
    private readonly SortedSet<int> _owned = [];
    private readonly Dictionary<string, (PartitionsOwned Claim, long Offset)> _claims = new(StringComparer.Ordinal);
    private int _partitionCount;
    private Task _published = Task.CompletedTask;
    private Dictionary<int, PatientOwner> _holders = [];
    private CancellationTokenSource _holdersChanged = new();

    public OwnershipDirectory(
        IOptions<KafkaOptions> kafka,
        IOptions<KafkaTopics> topics,
        IOptions<RoutingOptions> options,
        EventProducer producer,
        IServiceProvider services,
        IConfiguration configuration,
        IHostEnvironment environment,
        IHostApplicationLifetime lifetime,
        TimeProvider clock,
        KafkaMetrics metrics,
        ILogger<OwnershipDirectory> logger)
        : base(kafka.Value, topics.Value.Members, clock, metrics, lifetime, logger)
    {
        _kafka = kafka.Value;
        _producer = producer;
        _options = options.Value;
        _services = services;
        _configuration = configuration;
        _group = kafka.Value.GroupId ?? environment.ApplicationName;
        // A topic every routed consumer (TwinState's, Notification's) joins, so its partition count is the one that
        // consumer checked at start against the partitions it is assigned.
        _patientTopic = topics.Value.Consent;
        _key = $"{_group}/{_instanceId}";
        // Partitions can be given before Kestrel has bound its address: claimed again once it has.
        lifetime.ApplicationStarted.Register(Publish);
    }

    /// <summary>The partitions this replica was given; called by the consumer on assignment.</summary>
    public void Claim(IEnumerable<int> partitions)
    {
        lock (_gate)
        {
            _owned.UnionWith(partitions);
        }
        NoteHolders();
        Publish();
    }

    /// <summary>The partitions this replica no longer holds (revoked or lost); called by the consumer.</summary>
    public void Release(IEnumerable<int> partitions)
    {
        lock (_gate)
        {
            _owned.ExceptWith(partitions);
        }
        NoteHolders();
        Publish();
    }

    /// <summary>Completes once this replica's latest claim is on the members topic, or failed to get there.</summary>
    public Task Published => _published;

    /// <summary>
    /// Cancelled when the replica serving some partition changes: this one's partitions, or another's claim. Taken
    /// before asking who holds what, it tells a long-lived call built on that answer that it no longer covers every patient.
    /// </summary>
    public CancellationToken HoldersChanged
    {
        get
        {
            lock (_gate)
            {
                return _holdersChanged.Token;
            }
        }
    }

    /// <summary>Who serves <paramref name="patientId"/>: the replica holding its partition, the latest claim winning.</summary>
    public PatientOwner OwnerOf(string patientId)
    {
        var partition = PatientPartitioner.PartitionOf(patientId, PartitionCount());
        lock (_gate)
        {
            if (_owned.Contains(partition))
            {
                return new PatientOwner(IsLocal: true, Address: null);
            }
            return new PatientOwner(IsLocal: false, HolderOf(partition));
        }
    }

    /// <summary>
    /// The addresses of the other replicas that, with this one, hold every partition (the latest claim of each
    /// partition winning); null while some partition has no known holder, as during a rebalance.
    /// </summary>
    public IReadOnlyList<string>? OtherHolders()
    {
        var count = PartitionCount();
        lock (_gate)
        {
            var holders = new SortedSet<string>(StringComparer.Ordinal);
            for (var partition = 0; partition < count; partition++)
            {
                if (_owned.Contains(partition))
                {
                    continue;
                }
                var holder = HolderOf(partition);
                if (string.IsNullOrEmpty(holder))
                {
                    return null;
                }
                holders.Add(holder);
            }
            return [.. holders];
        }
    }

    public new async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _producer.PublishTombstoneAsync(Topic, _key, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The others keep routing here until they see the partitions claimed by their new owner.
            LogPublishFailed(Logger, ex.GetType().Name);
        }
        finally
        {
            await base.StopAsync(cancellationToken);
        }
    }

    /// <summary>The address of the other replica latest to claim <paramref name="partition"/>; call under the gate.</summary>
    private string? HolderOf(int partition) =>
        _claims
            .Where(claim => claim.Key != _key && claim.Value.Claim.Partitions.Contains(partition))
            .OrderByDescending(claim => claim.Value.Offset)
            .Select(claim => claim.Value.Claim.Address)
            .FirstOrDefault();

    protected override void Apply(ConsumedEvent consumed)
    {
        var claim = consumed.Parse(PartitionsOwned.Parser);
        if (claim.Group != _group)
        {
            return;
        }
        lock (_gate)
        {
            _claims[consumed.Key] = (claim, consumed.Position.Offset.Value);
        }
        NoteHolders();
    }

    protected override void Delete(ConsumedEvent tombstone)
    {
        lock (_gate)
        {
            _claims.Remove(tombstone.Key);
        }
        NoteHolders();
    }

    /// <summary>Cancels <see cref="HoldersChanged"/> when a partition's holder differs from the last one seen.</summary>
    private void NoteHolders()
    {
        CancellationTokenSource changed;
        lock (_gate)
        {
            // Each partition's holder as routing sees it (the latest claim winning); one with none known is left out.
            var holders = _claims.Values.SelectMany(claim => claim.Claim.Partitions).Distinct()
                .Select(partition => (Partition: partition, Holder: HolderOf(partition)))
                .Where(held => held.Holder is not null)
                .ToDictionary(held => held.Partition, held => new PatientOwner(IsLocal: false, held.Holder));
            foreach (var partition in _owned)
            {
                holders[partition] = new PatientOwner(IsLocal: true, Address: null);
            }
            if (holders.Count == _holders.Count && holders.All(holder => _holders.TryGetValue(holder.Key, out var before) && before == holder.Value))
            {
                return;
            }
            _holders = holders;
            changed = _holdersChanged;
            _holdersChanged = new CancellationTokenSource();
        }
        // Outside the gate: cancelling runs the callers' callbacks, which may ask the directory again.
        changed.Cancel();
    }

    private void Publish()
    {
        PartitionsOwned claim;
        lock (_gate)
        {
            claim = new PartitionsOwned { Group = _group, InstanceId = _instanceId, Address = AdvertisedAddress() ?? string.Empty };
            claim.Partitions.AddRange(_owned);
        }
        // Not awaited: the consumer's rebalance must not wait on the members topic. Claims made one after the other
        // are produced in that order, so the latest one is the last on the topic.
        _published = _producer.PublishAsync(Topic, _key, claim, $"{_key}/{Guid.CreateVersion7():N}", CancellationToken.None)
            .ContinueWith(
                published =>
                {
                    if (published.Exception is { } failure)
                    {
                        LogPublishFailed(Logger, failure.InnerException!.GetType().Name);
                    }
                },
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private int PartitionCount()
    {
        if (_partitionCount == 0)
        {
            _partitionCount = CompactedTopicReader.Partitions(_kafka, _patientTopic, MetadataWait).Count;
        }
        return _partitionCount == 0 ? throw new InvalidOperationException($"{_patientTopic} has no partitions.") : _partitionCount;
    }

    private string? AdvertisedAddress()
    {
        if (!string.IsNullOrEmpty(_options.AdvertisedAddress))
        {
            return _options.AdvertisedAddress;
        }
        // A wildcard host ("http://*:8080", as ASPNETCORE_HTTP_PORTS in the official images leaves among the addresses
        // even when Kestrel's endpoints override it) is no URI host: read it as every interface.
        var bound = ((_services.GetService(typeof(IServer)) as IServer)?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            .Select(ParseListenAddress)
            .OfType<Uri>()
            .ToList();
        if (bound.Count == 0)
        {
            return null;
        }
        // Kestrel reports the port it bound, so the Grpc endpoint is found by its configured port unless that was 0.
        var configured = _configuration["Kestrel:Endpoints:Grpc:Url"] is { } url && ParseListenAddress(url) is { } uri ? uri.Port : 0;
        var address = bound.FirstOrDefault(a => configured != 0 && a.Port == configured) ?? bound[0];
        return address.Host is "0.0.0.0" or "[::]" && Environment.GetEnvironmentVariable("POD_IP") is { Length: > 0 } podIp
            ? new UriBuilder(address) { Host = podIp }.Uri.ToString().TrimEnd('/')
            : address.ToString().TrimEnd('/');
    }

    private static Uri? ParseListenAddress(string address) =>
        Uri.TryCreate(address.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing this replica's partitions failed ({Error}); other replicas may route to it wrongly until the next rebalance")]
    private static partial void LogPublishFailed(ILogger logger, string error);
}
