using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Privacy;
using VitalTwin.ServiceDefaults.Redaction;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// The consumer loop names the patient of each event it handles and of each it dead-letters, at Debug; with the
/// service defaults' redaction the id never reaches a log provider: erased by default, an HMAC token with a key.
/// </summary>
public sealed class LogRedactionTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    // 32 random bytes, base64: the shape Redaction:HmacKey must have.
    private static readonly string HmacKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray());

    [Fact]
    public async Task Debug_lines_for_handled_and_dead_lettered_events_carry_no_patient_id_when_redaction_erases()
    {
        var patient = $"patient-{Guid.NewGuid():N}";
        var logs = new LogCapture();
        var (topics, script) = Setup();
        script.Refused.Add("refused");
        using var host = await StartAsync(topics, script, logs, hmacKey: null);

        await PublishAsync(topics.Telemetry, [(patient, "handled"), (patient, "refused")]);
        var handling = await logs.WaitForAsync(line => line.Contains("Handling ", StringComparison.Ordinal), 2, Clients.Timeout);
        var deadLettered = await logs.WaitForAsync(line => line.Contains("Dead-lettered event at", StringComparison.Ordinal), 1, Clients.Timeout);
        await host.StopAsync(CancellationToken.None);

        Assert.All(handling.Concat(deadLettered), line => Assert.StartsWith("Debug", line, StringComparison.Ordinal));
        Assert.All(handling, line => Assert.EndsWith("for patient ", line, StringComparison.Ordinal));
        Assert.EndsWith("is patient 's", deadLettered.Single(), StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Lines, l => l.Line.Contains(patient, StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_an_hmac_key_one_patient_always_has_the_same_token_and_another_patient_a_different_one()
    {
        var (first, second) = ($"patient-{Guid.NewGuid():N}", $"patient-{Guid.NewGuid():N}");
        var logs = new LogCapture();
        var (topics, script) = Setup(partitions: 1);
        using var host = await StartAsync(topics, script, logs, HmacKey);
        var redactor = host.Services.GetRequiredService<IRedactorProvider>().GetRedactor(VitalTwinTaxonomy.PatientIdentifier);

        await PublishAsync(topics.Telemetry, [(first, "a"), (second, "b"), (first, "c")]);
        var lines = await logs.WaitForAsync(line => line.Contains("Handling ", StringComparison.Ordinal), 3, Clients.Timeout);
        await host.StopAsync(CancellationToken.None);

        var tokens = lines.Select(line => line[(line.LastIndexOf("for patient ", StringComparison.Ordinal) + "for patient ".Length)..]).ToList();
        Assert.Equal(tokens[0], tokens[2]);
        Assert.NotEqual(tokens[0], tokens[1]);
        // The key id, then the truncated HMAC in base64.
        Assert.All(tokens, token => Assert.Matches("^7:[A-Za-z0-9+/]{22}==$", token));
        // The token an operator computes for a patient with the deployment's key finds that patient's lines.
        Assert.Equal(redactor.Redact(first), tokens[0]);
        Assert.Equal(redactor.Redact(second), tokens[1]);
        Assert.DoesNotContain(logs.Lines, l => l.Line.Contains(first, StringComparison.Ordinal) || l.Line.Contains(second, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("c2hvcnQ=")]
    public async Task A_redaction_key_that_is_not_32_bytes_of_base64_stops_the_service_at_start_without_showing_it(string key)
    {
        var (topics, script) = Setup();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(topics, script, new LogCapture(), key));

        // Ours or the HMAC redactor's own check, whichever runs first: both name the setting, neither its value.
        Assert.Contains("Key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, error.Message, StringComparison.Ordinal);
    }

    private (KafkaTopics Topics, ConsumerScript Script) Setup(int partitions = 2)
    {
        var topics = new KafkaTopics { Telemetry = Unique.Name("telemetry"), DeadLetter = Unique.Name("deadletter") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Telemetry, partitions, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        return (topics, new ConsumerScript());
    }

    private async Task<IHost> StartAsync(KafkaTopics topics, ConsumerScript script, LogCapture logs, string? hmacKey)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Kafka.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = cluster.Kafka.BootstrapServers,
            ["Kafka:GroupId"] = Unique.Name("redaction"),
            ["Kafka:SessionTimeout"] = "00:00:06",
            ["Kafka:Topics:Telemetry"] = topics.Telemetry,
            ["Kafka:Topics:DeadLetter"] = topics.DeadLetter,
            ["Redaction:HmacKey"] = hmacKey,
            ["Redaction:HmacKeyId"] = "7",
        });
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.AddLogRedaction();
        builder.Services.AddSingleton(script).AddKafka().AddEventConsumer<ScriptedConsumer>(topics => topics.Telemetry);
        var host = builder.Build();
        try
        {
            await host.StartAsync(CancellationToken.None);
            await host.Services.GetRequiredService<ScriptedConsumer>().Assigned.WaitAsync(Clients.Timeout);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private async Task PublishAsync(string topic, IEnumerable<(string PatientId, string MessageId)> events)
    {
        using var producer = new ProducerBuilder<string, byte[]>(Clients.IdempotentProducer(cluster.Kafka.BootstrapServers)).Build();
        foreach (var (patientId, messageId) in events)
        {
            var headers = new Headers { { EventHeaders.MessageId, Encoding.UTF8.GetBytes(messageId) } };
            await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = patientId, Value = [], Headers = headers });
        }
    }
}
