using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.Kafka;
using Xunit.Abstractions;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>
/// The resilience pipeline of one subscription against a real receiver, on a fake clock: which answers are
/// retried, how long each wait is, when the circuit opens. Delays are read from the timers the pipeline creates.
/// </summary>
public sealed class WebhookResilienceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(5);
    private readonly ObservedTimeProvider _clock = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(_clock);

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(408)]
    [InlineData(429)]
    public async Task A_transient_answer_is_retried_until_the_subscriber_accepts(int status)
    {
        var answers = 0;
        _receiver.Respond = _ => Interlocked.Increment(ref answers) <= 2 ? new Reply(status) : Reply.Accept;
        using var host = Build(out var subscription);

        var sending = Send(host, subscription, CancellationToken.None);
        for (var retry = 0; retry < 2; retry++)
        {
            _clock.Advance(await NextRetryDelayAsync());
        }

        Assert.Equal(HttpStatusCode.OK, await sending.WaitAsync(Signal.Timeout));
        Assert.Equal(3, _receiver.Requests.Count);
        Assert.Single(_receiver.Requests.Select(r => r.IdempotencyKey).Distinct());
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(410)]
    [InlineData(422)]
    public async Task A_final_refusal_is_returned_at_once(int status)
    {
        _receiver.Respond = _ => new Reply(status);
        using var host = Build(out var subscription);

        Assert.Equal((HttpStatusCode)status, await Send(host, subscription, CancellationToken.None).WaitAsync(Signal.Timeout));
        Assert.Single(_receiver.Requests);
    }

    [Theory]
    [InlineData(120, 120)]
    [InlineData(3600, 240)]
    [InlineData(0, 1)]
    public async Task Retry_after_is_honoured_up_to_its_cap_and_never_spins(int retryAfterSeconds, int expectedWaitSeconds)
    {
        var answers = 0;
        _receiver.Respond = _ => Interlocked.Increment(ref answers) == 1 ? new Reply(429, TimeSpan.FromSeconds(retryAfterSeconds)) : Reply.Accept;
        using var host = Build(out var subscription);

        var sending = Send(host, subscription, CancellationToken.None);
        var wait = await NextRetryDelayAsync();
        Assert.Equal(TimeSpan.FromSeconds(expectedWaitSeconds), wait);
        _clock.Advance(wait);

        Assert.Equal(HttpStatusCode.OK, await sending.WaitAsync(Signal.Timeout));
        Assert.Equal(TimeSpan.FromSeconds(expectedWaitSeconds), _receiver.Requests[1].At - _receiver.Requests[0].At);
    }

    [Fact]
    public async Task The_backoff_grows_with_jitter_up_to_its_cap_and_retries_go_on_past_any_count()
    {
        _receiver.Respond = _ => Reply.Unavailable;
        using var host = Build(out var subscription, new() { ["Delivery:Resilience:BreakAfterAttempts"] = "10000" });
        using var stop = new CancellationTokenSource();

        var sending = Send(host, subscription, stop.Token);
        var delays = new List<TimeSpan>();
        for (var retry = 0; retry < 12; retry++)
        {
            delays.Add(await NextRetryDelayAsync());
            _clock.Advance(delays[^1]);
        }
        await _receiver.WaitUntilAsync(requests => requests.Count == 13, "the thirteenth attempt");
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        Assert.All(delays, delay => Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(4)));
        Assert.True(delays[0] < TimeSpan.FromSeconds(4), "the first wait is below the cap: " + string.Join(", ", delays));
        // Jittered: not the plain 1 s, 2 s doubling. Once at the cap the wait is the cap itself (Polly clamps after jitter).
        Assert.NotEqual([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], delays.Take(2));
        Assert.Equal(TimeSpan.FromSeconds(4), delays[^1]);
    }

    [Fact]
    public async Task After_repeated_failures_the_circuit_opens_and_the_retry_waits_for_it_to_half_open()
    {
        _receiver.Respond = _ => Reply.Unavailable;
        using var host = Build(out var subscription, new()
        {
            ["Delivery:Resilience:BreakAfterAttempts"] = "3",
            ["Delivery:Resilience:FailureSamplingDuration"] = "00:00:30",
            ["Delivery:Resilience:BreakDuration"] = "00:01:00",
            ["Delivery:Resilience:MaxRetryDelay"] = "00:00:02",
        });
        var log = host.Services.GetRequiredService<TestOutputLoggerProvider>();

        var sending = Send(host, subscription, CancellationToken.None);
        for (var retry = 0; retry < 3; retry++)
        {
            _clock.Advance(await NextRetryDelayAsync());
        }
        // The fourth attempt never reached the subscriber: the open circuit refused it, and the retry waits out the break.
        var untilHalfOpen = await NextRetryDelayAsync();
        Assert.Equal(3, _receiver.Requests.Count);
        Assert.InRange(untilHalfOpen, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
        await log.WaitForAsync(e => e.Message.Contains("Circuit to", StringComparison.Ordinal) && e.Message.Contains("opened", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => Equals(e.Values.GetValueOrDefault("Failure"), "BrokenCircuitException"));

        _receiver.Respond = _ => Reply.Accept;
        _clock.Advance(untilHalfOpen);

        Assert.Equal(HttpStatusCode.OK, await sending.WaitAsync(Signal.Timeout));
        Assert.Equal(4, _receiver.Requests.Count);
        await log.WaitForAsync(e => e.Message.Contains("closed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_attempt_that_hangs_times_out_and_is_retried()
    {
        var hang = new TaskCompletionSource();
        var answers = 0;
        _receiver.Respond = _ => Interlocked.Increment(ref answers) == 1 ? new Reply(200, Hold: hang.Task) : Reply.Accept;
        using var host = Build(out var subscription);

        var sending = Send(host, subscription, CancellationToken.None);
        await _receiver.WaitUntilAsync(requests => requests.Count == 1, "the hanging attempt");
        _clock.Advance(AttemptTimeout);
        _clock.Advance(await NextRetryDelayAsync());

        Assert.Equal(HttpStatusCode.OK, await sending.WaitAsync(Signal.Timeout));
        Assert.Equal(2, _receiver.Requests.Count);
        Assert.Null(_receiver.Requests[0].Status);
        hang.TrySetResult();
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_a_metadata_address_is_not_connected_to_and_one_with_another_address_too_reaches_only_that()
    {
        var metadata = IPAddress.Parse("169.254.169.254");
        var resolver = new FixedResolver(new Dictionary<string, IPAddress[]>
        {
            ["imds.hospital.test"] = [metadata, IPAddress.Parse("fe80::1")],
            ["mixed.hospital.test"] = [metadata, IPAddress.Loopback],
        });
        using var refusedHost = Build(out var refused, resolver, $"http://imds.hospital.test:{_receiver.Port}/alerts", out var log);
        using var mixedHost = Build(out var mixed, resolver, $"http://mixed.hospital.test:{_receiver.Port}/alerts", out _);
        using var stop = new CancellationTokenSource();

        // Refused at connect time, before any packet: a transient failure, retried (an unreachable address would
        // instead hang until the attempt timeout, which this clock never reaches).
        var sending = Send(refusedHost, refused, stop.Token);
        try
        {
            await NextRetryDelayAsync();
            Assert.Empty(_receiver.Requests);
            Assert.Contains("imds.hospital.test", resolver.Asked);
            Assert.Contains(log.Entries, e => e.Message == "Webhook host imds.hospital.test resolves only to link-local or cloud metadata addresses; not connected");
        }
        finally
        {
            // Disposing the host waits for the send in flight, which this clock would never end.
            await stop.CancelAsync();
        }
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending.WaitAsync(Signal.Timeout));

        Assert.Equal(HttpStatusCode.OK, await Send(mixedHost, mixed, CancellationToken.None).WaitAsync(Signal.Timeout));
        Assert.Single(_receiver.Requests);
    }

    /// <summary>DNS as a test wants it: each name resolves to the given addresses.</summary>
    private sealed class FixedResolver(IReadOnlyDictionary<string, IPAddress[]> names) : WebhookHostResolver
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Asked { get; } = [];

        public override Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            Asked.Add(host);
            return Task.FromResult(names[host]);
        }
    }

    // Attempt timeouts create timers too; the retry's waits are the others.
    private Task<TimeSpan> NextRetryDelayAsync() => _clock.NextTimerAsync(due => due >= TimeSpan.Zero && due != AttemptTimeout);

    private IHost Build(out WebhookSubscription subscription, WebhookHostResolver resolver, string url, out TestOutputLoggerProvider log)
    {
        subscription = DeliveryHost.Subscription(url);
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "unused", subscription);
        settings["Delivery:Resilience:AttemptTimeout"] = AttemptTimeout.ToString();
        return DeliveryHost.Build(settings, output, out log, services => services.AddSingleton<TimeProvider>(_clock).AddSingleton(resolver));
    }

    private IHost Build(out WebhookSubscription subscription, Dictionary<string, string?>? overrides = null)
    {
        subscription = DeliveryHost.Subscription(_receiver.Url);
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "unused", subscription);
        settings["Delivery:Resilience:FirstRetryDelay"] = "00:00:01";
        settings["Delivery:Resilience:MaxRetryDelay"] = "00:00:04";
        settings["Delivery:Resilience:MaxRetryAfter"] = "00:04:00";
        settings["Delivery:Resilience:AttemptTimeout"] = AttemptTimeout.ToString();
        settings["Delivery:Resilience:BreakDuration"] = "00:00:30";
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }
        // Built, never started: no consumer runs, the test drives the sender itself.
        return DeliveryHost.Build(settings, output, out _, services => services.AddSingleton<TimeProvider>(_clock));
    }

    private static Task<HttpStatusCode?> Send(IHost host, WebhookSubscription subscription, CancellationToken cancellationToken)
    {
        var raised = Alerts.Raised("patient-1");
        var record = new AlertRecord(raised, raised.AlertId, raised.PatientId, raised.RaisedAt.ToDateTimeOffset(), raised.Priority);
        var request = WebhookRequest.Create(subscription, record, Guid.NewGuid().ToString(), "urn:vitaltwin:test", new Fhir.FhirOptions());
        return host.Services.GetRequiredService<WebhookSender>().SendAsync(subscription, request, () => true, cancellationToken);
    }
}
