using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// Clinicians' commands over real gRPC against the embedded Kafka: each goes on the command topic, is applied by the
/// patient's owner from there once, survives a crash of the owner before its next checkpoint, and is audited by the
/// token's subject with the reason.
/// </summary>
public sealed class ClinicianCommandTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string Actor = "test-staff";
    private const string Patient = "patient-command";
    private const string AnomalyId = "anomaly-command-1";
    private static readonly VitalCode HeartRate = new() { Loinc = "8867-4" };
    private static readonly VitalCode Saturation = new() { Loinc = "59408-5" };

    [Fact]
    public async Task A_command_answered_is_on_the_command_topic_by_the_token_subject_with_its_reason_and_audited_so()
    {
        var topics = cluster.CreateTopics();
        await using var server = await TwinStateServer.StartAsync(cluster, topics, Group());
        var now = DateTimeOffset.UtcNow;
        await PublishReadingAsync(server.Services, topics, HeartRate, "/min", 72, sequence: 1, now);
        await PublishAnomalyAsync(server.Services, topics, now);
        await Eventually.TrueAsync(() => server.Twins.TryGet(Patient, out var twin) && twin!.Snapshot().OpenAnomalies.Count == 1, "the reading and the anomaly applied");

        var placed = await server.Query.SetPatientContextAsync(new SetPatientContextRequest
        {
            PatientId = Patient,
            Context = new PatientContext { Ward = "ward-3", OnSupplementalOxygen = true },
            RecordedBy = "someone-else",
            Reason = "back from theatre on 2 L oxygen",
        });
        var acknowledged = await server.Query.AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest
        {
            PatientId = Patient,
            AnomalyId = AnomalyId,
            AcknowledgedBy = "someone-else",
            Verdict = AnomalyVerdict.FalseAlarm,
            Reason = "probe moved",
        });

        var commands = Commands(topics);
        Assert.Equal(2, commands.Count);
        Assert.All(commands, command => Assert.Equal((Patient, Actor), (command.Command.PatientId, command.Command.Actor)));
        Assert.Equal(("back from theatre on 2 L oxygen", "probe moved"), (commands[0].Command.Reason, commands[1].Command.Reason));
        Assert.Equal(("ward-3", true), (commands[0].Command.SetContext.Ward, commands[0].Command.SetContext.OnSupplementalOxygen));
        Assert.Equal((AnomalyId, AnomalyVerdict.FalseAlarm), (commands[1].Command.AcknowledgeAnomaly.AnomalyId, commands[1].Command.AcknowledgeAnomaly.Verdict));
        // Answered only once applied: each answer is the twin at its command's offset, with the command's effect.
        Assert.Equal((commands[0].Offset, commands[1].Offset), (placed.Version, acknowledged.Version));
        Assert.Equal(("ward-3", Actor), (placed.Context.Ward, placed.Context.RecordedBy));
        var kept = Assert.Single(acknowledged.AcknowledgedAnomalies);
        Assert.Equal((AnomalyId, AnomalyVerdict.FalseAlarm, Actor, "probe moved"), (kept.Anomaly.AnomalyId, kept.Verdict, kept.AcknowledgedBy, kept.Reason));
        Assert.Empty(acknowledged.OpenAnomalies);

        var audited = AuditTopic.Read(cluster.Kafka.BootstrapServers, topics.Audit)
            .Select(record => AccessAudited.Parser.ParseFrom(record.Value))
            .Where(record => record.Action.EndsWith("/SetPatientContext", StringComparison.Ordinal) || record.Action.EndsWith("/AcknowledgeAnomaly", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, audited.Count);
        Assert.All(audited, record => Assert.Equal((Actor, AuditOutcome.Allowed, Patient), (record.Actor, record.Outcome, record.PatientId)));
        Assert.Contains("back from theatre on 2 L oxygen", audited[0].Detail, StringComparison.Ordinal);
        Assert.Contains("probe moved", audited[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_answered_survive_a_crash_of_their_owner_before_its_checkpoint_with_the_same_version()
    {
        var topics = cluster.CreateTopics();
        var group = Group();
        var now = DateTimeOffset.UtcNow;
        var crashing = new Dictionary<string, string?>
        {
            // No checkpoint after the start: whatever the commands did exists only in memory and on Kafka when it dies.
            ["TwinState:Durability:CheckpointInterval"] = "01:00:00",
            ["Kafka:SessionTimeout"] = "00:00:06",
        };
        PatientTwin answered;
        await using (var owner = TwinStateProcess.Start(cluster, topics, group, crashing))
        {
            await using (var producing = await TwinStateServer.StartAsync(cluster, topics, Group()))
            {
                await PublishReadingAsync(producing.Services, topics, HeartRate, "/min", 72, sequence: 1, now);
                await PublishAnomalyAsync(producing.Services, topics, now);
            }

            await Eventually.TrueAsync(async () => (await TryGetTwinAsync(owner.Query))?.OpenAnomalies.Count == 1, "the crashing owner holds the twin with its anomaly");
            await owner.Query.SetPatientContextAsync(new SetPatientContextRequest { PatientId = Patient, Context = new PatientContext { Ward = "ward-5", Bed = "12" }, Reason = "admitted" });
            await owner.Query.AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = Patient, AnomalyId = AnomalyId, Verdict = AnomalyVerdict.Real, Reason = "confirmed at the bedside" });
            answered = await owner.Query.ChangeAlarmSettingsAsync(new ChangeAlarmSettingsRequest
            {
                PatientId = Patient,
                Change = new AlarmSettingsChange { Set = { new VitalAlarmSetting { Code = HeartRate, HighLimit = 150 } } },
                Reason = "athlete, runs high",
            });

            await owner.KillAsync();
        }

        await using var restarted = await TwinStateServer.StartAsync(cluster, topics, group, new Dictionary<string, string?> { ["Kafka:SessionTimeout"] = "00:00:06" });
        PatientTwin? twin = null;
        await Eventually.TrueAsync(async () => (twin = await TryGetTwinAsync(restarted.Query))?.Version == answered.Version, "the restarted owner at the answered version");

        Assert.Equal(2, answered.Version);
        Assert.Equal(("ward-5", "12", Actor), (twin!.Context.Ward, twin.Context.Bed, twin.Context.RecordedBy));
        var acknowledged = Assert.Single(twin.AcknowledgedAnomalies);
        Assert.Equal((AnomalyId, AnomalyVerdict.Real, "confirmed at the bedside"), (acknowledged.Anomaly.AnomalyId, acknowledged.Verdict, acknowledged.Reason));
        Assert.Empty(twin.OpenAnomalies);
        var setting = Assert.Single(twin.AlarmSettings.Vitals);
        Assert.Equal((150.0, "athlete, runs high", Actor), (setting.HighLimit, setting.Provenance.Reason, setting.Provenance.Author));
        Assert.Equal(answered.AlarmSettings, twin.AlarmSettings);
    }

    [Fact]
    public async Task A_replay_of_the_command_topic_after_a_checkpoint_applies_no_command_twice()
    {
        var topics = cluster.CreateTopics();
        var now = DateTimeOffset.UtcNow;
        string[] commandIds;
        await using (var first = await TwinStateServer.StartAsync(cluster, topics, Group()))
        {
            await PublishReadingAsync(first.Services, topics, Saturation, "%", 97, sequence: 1, now);
            await PublishAnomalyAsync(first.Services, topics, now);
            await Eventually.TrueAsync(() => first.Twins.TryGet(Patient, out var twin) && twin!.Snapshot().OpenAnomalies.Count == 1, "the reading and the anomaly applied");
            // Oxygen on, then off: NEWS2 up by 2 and back, each announced once.
            await first.Query.SetPatientContextAsync(new SetPatientContextRequest { PatientId = Patient, Context = new PatientContext { Ward = "ward-1", OnSupplementalOxygen = true } });
            await first.Query.SetPatientContextAsync(new SetPatientContextRequest { PatientId = Patient, Context = new PatientContext { Ward = "ward-1", OnSupplementalOxygen = false } });
            await first.Query.AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = Patient, AnomalyId = AnomalyId, Verdict = AnomalyVerdict.Real });
            commandIds = [.. Commands(topics).Select(c => c.Command.CommandId)];
            // A graceful stop checkpoints: the snapshot holds the twin at the last command's version.
            await first.StopAsync();
        }

        // A new consumer group reads every topic from its start: the whole command topic is replayed onto the restored twin.
        await using var replaying = await TwinStateServer.StartAsync(cluster, topics, Group());
        var after = await replaying.Query.SetPatientContextAsync(new SetPatientContextRequest { PatientId = Patient, Context = new PatientContext { Ward = "ward-2", OnSupplementalOxygen = false } });

        Assert.Equal(3, after.Version);
        Assert.Equal(AnomalyId, Assert.Single(after.AcknowledgedAnomalies).Anomaly.AnomalyId);
        Assert.Empty(after.OpenAnomalies);
        var news2 = AuditTopic.Read(cluster.Kafka.BootstrapServers, topics.TwinEvents)
            .Where(record => record.Schema == TwinNews2Changed.Descriptor.FullName)
            .Select(record => TwinNews2Changed.Parser.ParseFrom(record.Value).EventId)
            .Where(id => id.StartsWith("command/", StringComparison.Ordinal))
            .ToList();
        Assert.Equal([$"command/{commandIds[0]}/news2", $"command/{commandIds[1]}/news2"], news2);
    }

    [Fact]
    public async Task Settings_are_published_whole_shown_while_in_force_by_the_twins_clock_and_scale_two_scores_saturation_until_they_expire()
    {
        var start = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(start);
        var topics = cluster.CreateTopics();
        await using var server = await TwinStateServer.StartAsync(cluster, topics, Group(), clock: clock);
        await PublishReadingAsync(server.Services, topics, Saturation, "%", 90, sequence: 1, start);
        await Eventually.TrueAsync(() => server.ReadingsApplied(Patient) == 1, "the saturation applied");
        var onAir = await server.Query.SetPatientContextAsync(new SetPatientContextRequest { PatientId = Patient, Context = new PatientContext { Ward = "ward-4", Consciousness = Consciousness.Alert } });

        var set = await server.Query.ChangeAlarmSettingsAsync(new ChangeAlarmSettingsRequest
        {
            PatientId = Patient,
            Change = new AlarmSettingsChange { Set = { new VitalAlarmSetting { Code = HeartRate, HighLimit = 140, Sensitivity = DetectorSensitivity.Low } }, Spo2Scale2 = true },
            Reason = "COPD, target 88-92 %",
            ValidFor = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)),
        });

        Assert.Equal((3, 0), (onAir.News2.Total, set.News2.Total));
        var expiresAt = Timestamp.FromDateTimeOffset(start.AddMinutes(10));
        Assert.Equal((Actor, "COPD, target 88-92 %", expiresAt), (set.AlarmSettings.Spo2Scale2.Author, set.AlarmSettings.Spo2Scale2.Reason, set.AlarmSettings.Spo2Scale2.ExpiresAt));
        Assert.Equal((140.0, expiresAt), (Assert.Single(set.AlarmSettings.Vitals).HighLimit, set.AlarmSettings.Vitals[0].Provenance.ExpiresAt));
        var record = PatientAlarmSettings.Parser.ParseFrom(Assert.Single(TopicRecords.Read(cluster.Kafka.BootstrapServers, topics.PatientSettings)).Value);
        Assert.Equal(set.AlarmSettings, record);
        Assert.Equal((Patient, set.Version), (record.PatientId, record.Version));
        var command = Commands(topics).Last().Command;
        Assert.Contains(News2Changes(topics), changed => changed.EventId == $"command/{command.CommandId}/news2" && (changed.PreviousTotal, changed.News2.Total) == (3, 0));

        // Event time passes the expiry, with the saturation fresh throughout: the tick that passes it drops the settings
        // and scores saturation on scale 1 again, at once.
        var inForce = await server.Query.GetTwinAsync(new GetTwinRequest { PatientId = Patient });
        for (ulong sequence = 2; sequence <= 23; sequence++)
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            await PublishReadingAsync(server.Services, topics, Saturation, "%", 90, sequence, clock.GetUtcNow());
            if (sequence == 19)
            {
                await Eventually.TrueAsync(() => server.ReadingsApplied(Patient) == 19, "the saturation at 9 minutes applied");
                inForce = await server.Query.GetTwinAsync(new GetTwinRequest { PatientId = Patient });
            }
        }

        await Eventually.TrueAsync(() => server.ReadingsApplied(Patient) == 23, "the saturation at 11 minutes applied");
        Assert.Equal((0, true), (inForce.News2.Total, inForce.AlarmSettings.Spo2Scale2 is not null));
        var expired = await server.Query.GetTwinAsync(new GetTwinRequest { PatientId = Patient });

        Assert.Null(expired.AlarmSettings);
        Assert.Equal(3, expired.News2.Total);
        Assert.Contains(News2Changes(topics), changed => !changed.EventId.StartsWith("command/", StringComparison.Ordinal) && (changed.PreviousTotal, changed.News2.Total) == (0, 3));
    }

    [Fact]
    public async Task A_settings_change_across_a_bound_is_refused_naming_the_bound_and_nothing_is_published()
    {
        var topics = cluster.CreateTopics();
        await using var server = await TwinStateServer.StartAsync(cluster, topics, Group());
        await PublishReadingAsync(server.Services, topics, HeartRate, "/min", 72, sequence: 1, DateTimeOffset.UtcNow);
        await Eventually.TrueAsync(() => server.ReadingsApplied(Patient) == 1, "the reading applied");

        var refusals = new (ChangeAlarmSettingsRequest Request, string Named)[]
        {
            (Request(new VitalAlarmSetting { Code = Saturation, LowLimit = 80 }), "may not be under 85"),
            (Request(new VitalAlarmSetting { Code = HeartRate, HighLimit = 200 }), "may not be over 160"),
            (Request(new VitalAlarmSetting { Code = HeartRate, HoldTime = Duration.FromTimeSpan(TimeSpan.FromMinutes(20)) }), "between 0 and 00:02:00"),
            (Request(new VitalAlarmSetting { Code = HeartRate, HighLimit = 150 }, validFor: TimeSpan.FromDays(4)), "at most 3.00:00:00"),
            (Request(new VitalAlarmSetting { Code = new VitalCode { Loinc = "0000-0" }, HighLimit = 150 }), "vital this service does not know"),
            (Request(new VitalAlarmSetting { Code = HeartRate, HighLimit = 150 }, reason: ""), "reason is required"),
            (new ChangeAlarmSettingsRequest { PatientId = Patient, Change = new AlarmSettingsChange(), Reason = "nothing" }, "names no setting"),
        };
        foreach (var (request, named) in refusals)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => server.Query.ChangeAlarmSettingsAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains(named, refused.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Empty(Commands(topics));
        Assert.Empty(TopicRecords.Read(cluster.Kafka.BootstrapServers, topics.PatientSettings));
    }

    private static ChangeAlarmSettingsRequest Request(VitalAlarmSetting setting, TimeSpan? validFor = null, string reason = "trial") => new()
    {
        PatientId = Patient,
        Change = new AlarmSettingsChange { Set = { setting } },
        Reason = reason,
        ValidFor = validFor is { } span ? Duration.FromTimeSpan(span) : null,
    };

    private static string Group() => $"test-twin-state-{Guid.NewGuid():N}";

    private static async Task<PatientTwin?> TryGetTwinAsync(TwinQuery.TwinQueryClient query)
    {
        try
        {
            return await query.GetTwinAsync(new GetTwinRequest { PatientId = Patient });
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.Unavailable or StatusCode.PermissionDenied)
        {
            return null;
        }
    }

    /// <summary>The command topic's records with their offsets (it has one partition here).</summary>
    private IReadOnlyList<(long Offset, PatientCommand Command)> Commands(KafkaTopics topics) =>
        AuditTopic.Read(cluster.Kafka.BootstrapServers, topics.PatientCommands)
            .Select((record, offset) => ((long)offset, PatientCommand.Parser.ParseFrom(record.Value)))
            .ToList();

    private IReadOnlyList<TwinNews2Changed> News2Changes(KafkaTopics topics) =>
        AuditTopic.Read(cluster.Kafka.BootstrapServers, topics.TwinEvents)
            .Where(record => record.Schema == TwinNews2Changed.Descriptor.FullName)
            .Select(record => TwinNews2Changed.Parser.ParseFrom(record.Value))
            .ToList();

    private static Task PublishReadingAsync(IServiceProvider services, KafkaTopics topics, VitalCode code, string unit, double value, ulong sequence, DateTimeOffset observedAt)
    {
        var recorded = new VitalSignsRecorded
        {
            EventId = $"monitor-{Patient}/{code.Loinc}/{sequence}",
            Reading = new VitalSignReading
            {
                PatientId = Patient,
                DeviceId = $"monitor-{Patient}-{code.Loinc}",
                SequenceNumber = sequence,
                ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
                Code = code,
                Value = value,
                Unit = unit,
            },
        };
        return services.GetRequiredService<EventProducer>().PublishAsync(topics.Telemetry, Patient, recorded, recorded.EventId, CancellationToken.None);
    }

    private static Task PublishAnomalyAsync(IServiceProvider services, KafkaTopics topics, DateTimeOffset observedAt)
    {
        var detected = new AnomalyDetected
        {
            EventId = AnomalyId,
            PatientId = Patient,
            Code = HeartRate,
            Value = 143.5,
            Unit = "/min",
            ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
            Kind = AnomalyKind.Spike,
            Detector = Detector.IidSpike,
            Direction = Direction.Up,
            DeviceId = $"monitor-{Patient}-8867-4",
        };
        return services.GetRequiredService<EventProducer>().PublishAsync(topics.Anomalies, Patient, detected, detected.EventId, CancellationToken.None);
    }
}
