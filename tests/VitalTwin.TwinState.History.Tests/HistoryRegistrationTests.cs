using InfluxDB.Client.Core.Exceptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace VitalTwin.TwinState.History.Tests;

public sealed class HistoryRegistrationTests
{
    [Fact]
    public void Without_an_influx_url_history_is_kept_in_memory()
    {
        using var host = new StoreHost(new Dictionary<string, string?>());

        Assert.IsType<InMemoryVitalsStore>(host.Store);
    }

    [Fact]
    public void With_an_influx_url_history_goes_to_influx()
    {
        using var host = new StoreHost(new Dictionary<string, string?>
        {
            ["History:Influx:Url"] = "http://127.0.0.1:1",
            ["History:Influx:Database"] = "vitaltwin",
            ["History:Influx:Token"] = "token",
        });

        Assert.IsType<InfluxVitalsStore>(host.Store);
    }

    [Theory]
    [InlineData("Database is required", "History:Influx:Url", "http://127.0.0.1:8086", "History:Influx:Token", "t")]
    [InlineData("Username/Password (1.x) is required", "History:Influx:Url", "http://127.0.0.1:8086", "History:Influx:Database", "v")]
    [InlineData("absolute http or https", "History:Influx:Url", "influx:8086", "History:Influx:Database", "v")]
    [InlineData("either History:Influx:Token or", "History:Influx:Url", "http://h", "History:Influx:Database", "v", "History:Influx:Token", "t", "History:Influx:Username", "u")]
    [InlineData("MaxPointsPerSeries", "History:Memory:MaxPointsPerSeries", "0")]
    [InlineData("BatchSize", "History:Influx:BatchSize", "0")]
    [InlineData("FlushInterval", "History:FlushInterval", "00:00:00")]
    public async Task Invalid_settings_stop_the_host_at_start(string expected, params string[] pairs)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(pairs.Chunk(2).Select(p => KeyValuePair.Create(p[0], (string?)p[1])));
        builder.Services.AddVitalsHistory(builder.Configuration);
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transient_failures_are_told_apart_from_permanent_ones()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.True(InfluxWriteResilience.IsTransient(new ServiceUnavailableException("down"), CancellationToken.None));
        Assert.True(InfluxWriteResilience.IsTransient(new HttpException("no response", 0), CancellationToken.None));
        Assert.True(InfluxWriteResilience.IsTransient(new HttpRequestException("refused"), CancellationToken.None));
        Assert.True(InfluxWriteResilience.IsTransient(new TaskCanceledException("client timeout"), CancellationToken.None));
        Assert.False(InfluxWriteResilience.IsTransient(new BadRequestException("unable to parse"), CancellationToken.None));
        Assert.False(InfluxWriteResilience.IsTransient(new UnauthorizedException("token"), CancellationToken.None));
        Assert.False(InfluxWriteResilience.IsTransient(new HttpRequestException("refused"), cancelled.Token));
    }
}
