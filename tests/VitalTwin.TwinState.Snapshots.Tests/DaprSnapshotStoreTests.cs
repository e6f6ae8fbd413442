using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VitalTwin.TwinState.Snapshots.Tests;

/// <summary>The Dapr store through the real DaprClient, over gRPC, against the fake sidecar.</summary>
public sealed class DaprSnapshotStoreTests : SnapshotStoreContract
{
    private const string StoreName = "twins";
    private const string ApiToken = "sidecar-token";
    private const int MaxRetryAttempts = 3;
    private const int MaxBatchSize = 4;

    private FakeDaprSidecar? _sidecar;
    private ServiceProvider? _services;

    private FakeDaprState Sidecar => _sidecar?.State ?? throw new InvalidOperationException("The sidecar starts in InitializeAsync.");

    protected override async Task<ISnapshotStore> CreateStoreAsync(CancellationToken ct)
    {
        // The sidecar demands the API token, so every test also checks that every call carries it.
        _sidecar = await FakeDaprSidecar.StartAsync(ApiToken, ct);
        (_services, var store) = BuildStore(_sidecar.Address);
        return store;
    }

    protected override async ValueTask DisposeStoreAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
    }

    [Fact]
    public void Dapr_is_the_store_configured()
    {
        Assert.IsType<DaprSnapshotStore>(Store);
    }

    [Fact]
    public async Task Values_are_stored_as_json_strings_of_base64()
    {
        await Store.SaveAsync([Twin("patient-1", 0x00, 0xFF, 0x01)], Timeout);

        Assert.Equal("\"AP8B\"", Sidecar.Stored(StoreName, "patient-1")?.ToStringUtf8());
    }

    [Fact]
    public async Task A_value_not_written_by_this_store_fails_clearly_without_quoting_it()
    {
        Sidecar.Put(StoreName, "patient-1", Google.Protobuf.ByteString.CopyFromUtf8("secret-vitals"));

        var failure = await Assert.ThrowsAsync<SnapshotStoreException>(() => Store.LoadAsync(["patient-1"], Timeout));

        Assert.Equal(
            "Loading 1 twin snapshot(s) from Dapr state store 'twins' failed: a stored value is not a snapshot written by this store.",
            failure.Message);
        Assert.DoesNotContain("secret", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_call_carries_the_api_token_bulk_saves_included()
    {
        await Store.SaveAsync([Twin("patient-1", 1)], Timeout);
        await Store.LoadAsync(["patient-1"], Timeout);
        await Store.DeleteAsync("patient-1", Timeout);

        Assert.Equal(1, Sidecar.Calls("SaveState"));
        Assert.All(Sidecar.ApiTokensSeen, token => Assert.Equal(ApiToken, token));
    }

    [Fact]
    public async Task Large_calls_are_split_into_batches()
    {
        var twins = Enumerable.Range(0, 10).Select(i => Twin($"patient-{i}", (byte)i)).ToArray();

        await Store.SaveAsync(twins, Timeout);
        var loaded = await Store.LoadAsync([.. twins.Select(t => t.Key)], Timeout);

        Assert.Equal(10, loaded.Count);
        Assert.Equal(3, Sidecar.Calls("SaveState"));
        Assert.Equal(3, Sidecar.Calls("GetBulkState"));
    }

    [Fact]
    public async Task A_sidecar_unavailable_twice_is_retried_and_the_save_succeeds()
    {
        Sidecar.FailNext("SaveState", StatusCode.Unavailable, times: 2);

        await Store.SaveAsync([Twin("patient-1", 1)], Timeout);

        Assert.Equal(3, Sidecar.Calls("SaveState"));
        Assert.Equal([1], Assert.Single(await Store.LoadAsync(["patient-1"], Timeout)).Data.ToArray());
    }

    [Fact]
    public async Task A_sidecar_unavailable_twice_is_retried_and_the_load_succeeds()
    {
        await Store.SaveAsync([Twin("patient-1", 1)], Timeout);
        Sidecar.FailNext("GetBulkState", StatusCode.Unavailable, times: 2);

        var loaded = await Store.LoadAsync(["patient-1"], Timeout);

        Assert.Single(loaded);
        Assert.Equal(3, Sidecar.Calls("GetBulkState"));
    }

    [Fact]
    public async Task A_permanent_failure_is_not_retried_and_says_which_store_and_what_went_wrong()
    {
        // Worded as the sidecar words it, key included.
        Sidecar.FailNext("GetBulkState", StatusCode.Internal, times: 1, detail: "fail to get patient-1 from state store twins: connection reset");

        var failure = await Assert.ThrowsAsync<SnapshotStoreException>(() => Store.LoadAsync(["patient-1"], Timeout));

        Assert.Equal(1, Sidecar.Calls("GetBulkState"));
        Assert.Equal(
            "Loading 1 twin snapshot(s) in Dapr state store 'twins' failed: the sidecar answered Internal (fail to get <key> from state store twins: connection reset).",
            failure.Message);
        Assert.DoesNotContain("patient-1", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sidecar_unavailable_beyond_the_retries_fails_saying_so()
    {
        Sidecar.FailNext("DeleteState", StatusCode.Unavailable, times: MaxRetryAttempts + 1);

        var failure = await Assert.ThrowsAsync<SnapshotStoreException>(() => Store.DeleteAsync("patient-1", Timeout));

        Assert.Equal(MaxRetryAttempts + 1, Sidecar.Calls("DeleteState"));
        Assert.Equal(
            "Deleting 1 twin snapshot(s) in Dapr state store 'twins' failed after 3 retries: the sidecar answered Unavailable (injected Unavailable).",
            failure.Message);
    }

    [Fact]
    public async Task No_sidecar_at_the_address_fails_as_unavailable()
    {
        var (services, store) = BuildStore($"http://127.0.0.1:{ClosedLoopbackPort()}");
        await using var _ = services;

        var failure = await Assert.ThrowsAsync<SnapshotStoreException>(() => store.SaveAsync([Twin("patient-1", 1)], Timeout));

        Assert.Contains("the sidecar answered Unavailable", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_in_flight_is_cancelled_at_the_sidecar()
    {
        var hold = Sidecar.HoldNext("GetBulkState");
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Timeout);

        var load = Store.LoadAsync(["patient-1"], cancellation.Token);
        await hold.Entered.Task.WaitAsync(Patience);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => load);
        await hold.Cancelled.Task.WaitAsync(Patience);
        Assert.Equal(1, Sidecar.Calls("GetBulkState"));
    }

    private static (ServiceProvider Services, ISnapshotStore Store) BuildStore(string grpcEndpoint)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Snapshots:Store"] = "Dapr",
                ["Snapshots:Dapr:StoreName"] = StoreName,
                ["Snapshots:Dapr:GrpcEndpoint"] = grpcEndpoint,
                ["Snapshots:Dapr:ApiToken"] = ApiToken,
                ["Snapshots:Dapr:MaxBatchSize"] = MaxBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Snapshots:Dapr:MaxRetryAttempts"] = MaxRetryAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Snapshots:Dapr:RetryBaseDelay"] = "00:00:00.001",
            })
            .Build();
        var services = new ServiceCollection().AddLogging().AddSnapshotStore(configuration).BuildServiceProvider(validateScopes: true);
        return (services, services.GetRequiredService<ISnapshotStore>());
    }

    private static int ClosedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
