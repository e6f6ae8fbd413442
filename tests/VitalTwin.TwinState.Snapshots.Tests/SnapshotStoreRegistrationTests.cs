using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace VitalTwin.TwinState.Snapshots.Tests;

public sealed class SnapshotStoreRegistrationTests : IDisposable
{
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(10));

    public void Dispose() => _deadline.Dispose();

    [Fact]
    public async Task Without_configuration_the_store_is_in_memory()
    {
        using var host = BuildHost([]);
        await host.StartAsync(_deadline.Token);

        Assert.IsType<InMemorySnapshotStore>(host.Services.GetRequiredService<ISnapshotStore>());
        await host.StopAsync(_deadline.Token);
    }

    [Fact]
    public async Task An_unknown_store_fails_at_start_naming_the_choices()
    {
        using var host = BuildHost(new() { ["Snapshots:Store"] = "Redis" });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(_deadline.Token));

        Assert.Equal("Snapshots:Store is 'Redis'; it must be 'Memory' or 'Dapr'.", failure.Message);
    }

    [Fact]
    public async Task Dapr_without_a_store_name_fails_at_start()
    {
        using var host = BuildHost(new() { ["Snapshots:Store"] = "Dapr" });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(_deadline.Token));

        Assert.Contains("Snapshots:Dapr:StoreName is required", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dapr_with_a_relative_endpoint_and_bad_numbers_fails_at_start_listing_each()
    {
        using var host = BuildHost(new()
        {
            ["Snapshots:Store"] = "dapr",
            ["Snapshots:Dapr:StoreName"] = "twins",
            ["Snapshots:Dapr:GrpcEndpoint"] = "127.0.0.1:50001",
            ["Snapshots:Dapr:MaxBatchSize"] = "0",
            ["Snapshots:Dapr:MaxRetryAttempts"] = "-1",
            ["Snapshots:Dapr:RetryBaseDelay"] = "00:00:00",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(_deadline.Token));

        Assert.Equal(4, failure.Failures.Count());
        Assert.Contains("Snapshots:Dapr:GrpcEndpoint is '127.0.0.1:50001'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dapr_is_chosen_without_a_sidecar_being_reached()
    {
        using var host = BuildHost(new()
        {
            ["Snapshots:Store"] = "Dapr",
            ["Snapshots:Dapr:StoreName"] = "twins",
            ["Snapshots:Dapr:GrpcEndpoint"] = "http://127.0.0.1:9",
        });
        await host.StartAsync(_deadline.Token);

        Assert.IsType<DaprSnapshotStore>(host.Services.GetRequiredService<ISnapshotStore>());
        await host.StopAsync(_deadline.Token);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSnapshotStore(builder.Configuration);
        return builder.Build();
    }
}
