using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Core.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace VitalTwin.TwinState.History;

/// <summary>
/// Vitals history in InfluxDB: measurement <c>vitals</c>, tags <c>patient</c>, <c>loinc</c>, <c>device</c>,
/// fields <c>value</c> and <c>unit</c>, nanosecond timestamps. Point identity (measurement, tags, time)
/// makes a replayed batch overwrite itself instead of adding points.
/// </summary>
internal sealed class InfluxVitalsStore : IVitalsStore, IDisposable
{
    private readonly HistoryOptions _options;
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _writes;
    private readonly DeleteApi _deletes;
    private readonly ResiliencePipeline _writePipeline;
    private readonly InfluxQueryClient _queries;
    private readonly TimeProvider _time;
    private readonly ILogger<InfluxVitalsStore> _logger;

    public InfluxVitalsStore(
        IOptions<HistoryOptions> options,
        ResiliencePipelineProvider<string> pipelines,
        InfluxQueryClient queries,
        TimeProvider time,
        ILogger<InfluxVitalsStore> logger)
    {
        _options = options.Value;
        var influx = _options.Influx;
        if (!influx.IsConfigured)
        {
            throw new InvalidOperationException("History:Influx:Url is not set; the in-memory store should have been chosen.");
        }

        // The client owns its HttpClient rather than taking one from IHttpClientFactory, so that resilience
        // handlers added to every factory client can never stack a second retry onto the write pipeline.
        _client = new InfluxDBClient(new InfluxDBClientOptions(influx.Url)
        {
            // InfluxDB 1.8+ takes "user:password" as the token of its v2-compatible write endpoint.
            Token = string.IsNullOrEmpty(influx.Username) ? influx.Token : $"{influx.Username}:{influx.Password}",
            Org = influx.Organization,
            Bucket = influx.Bucket,
            Timeout = influx.RequestTimeout,
        });
        _writes = _client.GetWriteApiAsync();
        _deletes = _client.GetDeleteApi();
        _writePipeline = pipelines.GetPipeline(InfluxWriteResilience.PipelineName);
        _queries = queries;
        _time = time;
        _logger = logger;
        HistoryLog.InfluxStoreSelected(logger, new Uri(influx.Url!).Authority, influx.Bucket);
    }

    public async Task WriteAsync(IReadOnlyList<VitalPoint> points, CancellationToken ct)
    {
        HistoryRules.ValidatePoints(points);
        var batchSize = _options.Influx.BatchSize;
        for (var start = 0; start < points.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, points.Count - start);
            var batch = new WriteBatch(this, LineProtocol.Format(points, start, count), count);
            var started = _time.GetTimestamp();
            await _writePipeline.ExecuteAsync(static (batch, token) => batch.Store.SendAsync(batch, token), batch, ct);
            HistoryLog.BatchWritten(_logger, count, _time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    public async Task<IReadOnlyList<VitalSeries>> QueryAsync(HistoryQuery query, CancellationToken ct)
    {
        var loincs = HistoryRules.ValidateQuery(query, _options);
        var max = _options.MaxPointsPerQuery;
        var influxQl = InfluxQl.Build(query, loincs, _options.Influx.RetentionPolicy, limit: max + 1);
        var started = _time.GetTimestamp();
        var (series, pointCount, partial) = await _queries.QueryAsync(influxQl, ct);
        if (partial || pointCount > max)
        {
            throw HistoryRules.TooManyPoints(max);
        }

        HistoryLog.QueryAnswered(_logger, series.Count, pointCount, _time.GetElapsedTime(started).TotalMilliseconds);
        return series;
    }

    /// <summary>
    /// Through the v2 delete API (<c>POST /api/v2/delete</c>) with a predicate on the patient tag, over all time:
    /// InfluxDB 2.x and 3.x serve it and 1.x maps it onto an InfluxQL <c>DELETE</c>. Retried like a write, since it
    /// fails the same ways; deleting twice removes nothing more.
    /// </summary>
    public async Task DeleteAsync(string patientId, CancellationToken ct)
    {
        HistoryRules.ValidatePatientId(patientId);
        var predicate = $"_measurement={QuotePredicate(LineProtocol.Measurement)} AND patient={QuotePredicate(patientId)}";
        var started = _time.GetTimestamp();
        await _writePipeline.ExecuteAsync(static (delete, token) => delete.Store.SendDeleteAsync(delete.Predicate, token), (Store: this, Predicate: predicate), ct);
        HistoryLog.PatientDeleted(_logger, _time.GetElapsedTime(started).TotalMilliseconds);
    }

    public void Dispose() => _client.Dispose();

    // The delete predicate grammar takes double-quoted strings with backslash escapes.
    private static string QuotePredicate(string value) =>
        $"\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    private async ValueTask SendDeleteAsync(string predicate, CancellationToken ct)
    {
        try
        {
            await _deletes.Delete(
                HistoryRules.EarliestTime.UtcDateTime, HistoryRules.LatestTime.UtcDateTime, predicate, _options.Influx.Bucket, _options.Influx.Organization, ct);
        }
        catch (HttpException e) when (!InfluxWriteResilience.IsTransient(e, ct))
        {
            // Rethrown without the server's message, which can quote the predicate and its patient id.
            throw new VitalsDeleteRejectedException(e.Status);
        }
    }

    private async ValueTask SendAsync(WriteBatch batch, CancellationToken ct)
    {
        try
        {
            await _writes.WriteRecordAsync(batch.Lines, WritePrecision.Ns, _options.Influx.Bucket, _options.Influx.Organization, ct);
        }
        catch (HttpException e) when (!InfluxWriteResilience.IsTransient(e, ct))
        {
            // Rethrown without the server's message, which can quote the rejected line and its patient id.
            throw new VitalsWriteRejectedException(e.Status, batch.Count);
        }
    }

    private sealed record WriteBatch(InfluxVitalsStore Store, string Lines, int Count);
}
