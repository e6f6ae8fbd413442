namespace VitalTwin.TwinState.History.Tests.Influx;

/// <summary>One influxd and its write proxy for every test in <see cref="InfluxCollection"/>.</summary>
public sealed class InfluxFixture : IAsyncLifetime
{
    public const string Database = "vitaltwin";
    public const string RetentionPolicy = "autogen";

    private InfluxServer? _server;
    private InfluxWriteProxy? _proxy;

    internal InfluxServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    internal InfluxWriteProxy Proxy => _proxy ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        _server = await InfluxServer.StartAsync();
        await _server.ExecuteAsync($"CREATE DATABASE {InfluxQl.QuoteIdentifier(Database)}", CancellationToken.None);
        _proxy = await InfluxWriteProxy.StartAsync(_server.Url);
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>History settings pointing the store at the proxy, with retries short enough for tests.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["History:Influx:Url"] = Proxy.Url.ToString(),
        ["History:Influx:Database"] = Database,
        ["History:Influx:RetentionPolicy"] = RetentionPolicy,
        ["History:Influx:Username"] = "vitaltwin",
        ["History:Influx:Password"] = "not-checked-by-this-influxd",
        ["History:Influx:MaxRetryAttempts"] = "1000",
        ["History:Influx:RetryBaseDelay"] = "00:00:00.020",
        ["History:Influx:RetryMaxDelay"] = "00:00:00.200",
    };
}

[CollectionDefinition(Name)]
public sealed class InfluxCollection : ICollectionFixture<InfluxFixture>
{
    public const string Name = "influxd";
}
