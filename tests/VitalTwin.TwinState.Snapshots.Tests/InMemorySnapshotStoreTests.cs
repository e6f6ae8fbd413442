using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VitalTwin.TwinState.Snapshots.Tests;

public sealed class InMemorySnapshotStoreTests : SnapshotStoreContract
{
    private ServiceProvider? _services;

    protected override Task<ISnapshotStore> CreateStoreAsync(CancellationToken ct)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Snapshots:Store"] = "Memory" })
            .Build();
        _services = new ServiceCollection().AddLogging().AddSnapshotStore(configuration).BuildServiceProvider(validateScopes: true);
        return Task.FromResult(_services.GetRequiredService<ISnapshotStore>());
    }

    protected override ValueTask DisposeStoreAsync() => _services?.DisposeAsync() ?? ValueTask.CompletedTask;

    [Fact]
    public void Memory_is_the_store_configured()
    {
        Assert.IsType<InMemorySnapshotStore>(Store);
    }

    [Fact]
    public async Task A_caller_reusing_its_buffer_does_not_change_the_stored_snapshot()
    {
        var buffer = new byte[] { 1, 2, 3 };
        await Store.SaveAsync([new Snapshot("patient-1", buffer)], Timeout);

        buffer[0] = 99;

        Assert.Equal([1, 2, 3], Assert.Single(await Store.LoadAsync(["patient-1"], Timeout)).Data.ToArray());
    }
}
