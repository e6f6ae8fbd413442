using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Devices;
using VitalTwin.Gateway.Ingestion;
using static VitalTwin.Gateway.Fhir.FhirOutcomes;
using IssueSeverity = Hl7.Fhir.Model.OperationOutcome.IssueSeverity;
using IssueType = Hl7.Fhir.Model.OperationOutcome.IssueType;

namespace VitalTwin.Gateway.Fhir;

/// <summary>How one Observation was answered: its HTTP status, the outcome, and where the reading it became is named.</summary>
internal sealed record ObservationAnswer(int Status, OperationOutcome Outcome, string? Id = null);

/// <summary>
/// <c>POST /fhir/Observation</c> and <c>POST /fhir</c> (batch and transaction Bundles): authenticates the sender,
/// parses, validates and maps each Observation, and hands the readings to the ingestion core, answering each
/// Observation once Kafka has its readings (201) or with why it was refused (an OperationOutcome).
/// </summary>
internal sealed partial class FhirDoor(
    ObservationProfiles profiles,
    ObservationReadings readings,
    ReadingIngestor ingestor,
    ReadingValidator validator,
    DeviceCredentials credentials,
    IOptions<FhirOptions> options,
    IOptions<GatewayOptions> gateway,
    ILogger<FhirDoor> logger)
{
    private static readonly string[] MediaTypes = [MediaType, "application/json"];
    private static readonly FhirJsonDeserializer Deserializer = new();

    public async Task<IResult> PostObservationAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var (sender, resource, refusal) = await ReceiveAsync(http, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }
        if (resource is not Observation observation)
        {
            return Refusal(StatusCodes.Status400BadRequest, IssueType.NotSupported, "POST /fhir/Observation takes an Observation; post Bundles to /fhir");
        }
        var mapping = Prepare(observation);
        if (mapping.Refused)
        {
            LogRefused(logger, 1);
            return Answer(mapping.Status, Outcome(mapping.Errors.Concat(mapping.Warnings)));
        }
        var (answers, failure) = await IngestAsync([mapping], sender!, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }
        var answer = answers[0];
        return Answer(answer.Status, answer.Outcome,
            location: answer.Id is null ? null : $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/fhir/Observation/{answer.Id}",
            retryAfter: answer.Status == StatusCodes.Status429TooManyRequests ? TimeSpan.FromSeconds(1) : null);
    }

    public async Task<IResult> PostBundleAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var (sender, resource, refusal) = await ReceiveAsync(http, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }
        if (resource is not Bundle { Type: Bundle.BundleType.Batch or Bundle.BundleType.Transaction } bundle)
        {
            return Refusal(StatusCodes.Status400BadRequest, IssueType.NotSupported, "POST /fhir takes a batch or transaction Bundle of Observations");
        }
        var limit = gateway.Value.MaxBatchSize;
        if (bundle.Entry.Count > limit)
        {
            return Refusal(StatusCodes.Status413PayloadTooLarge, IssueType.TooCostly, $"a Bundle holds at most {limit} entries");
        }
        var entries = bundle.Entry.Select(PrepareEntry).ToList();
        return bundle.Type == Bundle.BundleType.Transaction
            ? await TransactionAsync(entries, sender!, cancellationToken)
            : await BatchAsync(entries, sender!, cancellationToken);
    }

    /// <summary>Each entry on its own: the valid ones are ingested together, every entry gets its own response.</summary>
    private async Task<IResult> BatchAsync(List<ObservationMapping> entries, Sender sender, CancellationToken cancellationToken)
    {
        var valid = entries.Where(e => !e.Refused).ToList();
        var (answers, failure) = await IngestAsync(valid, sender, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }
        var byEntry = new Dictionary<ObservationMapping, ObservationAnswer>(ReferenceEqualityComparer.Instance);
        foreach (var (entry, answer) in valid.Zip(answers))
        {
            byEntry[entry] = answer;
        }
        var response = new Bundle { Type = Bundle.BundleType.BatchResponse };
        foreach (var entry in entries)
        {
            var answer = byEntry.TryGetValue(entry, out var ingested) ? ingested : new ObservationAnswer(entry.Status, Outcome(entry.Errors.Concat(entry.Warnings)));
            response.Entry.Add(new Bundle.EntryComponent { Response = Response(answer) });
        }
        LogRefused(logger, entries.Count - valid.Count);
        return Answer(StatusCodes.Status200OK, response);
    }

    /// <summary>
    /// All or nothing: every entry is parsed, validated and mapped, and every reading checked as the core would
    /// (sender, registration, consent, time window, catalogue) before any is ingested; one refusal refuses the whole
    /// Bundle with nothing stored. What the up-front checks cannot foresee (the device's rate limit, a revocation or
    /// consent change landing in between, Kafka failing) can still refuse part of it once ingestion began: the
    /// answer then says so, and the readings Kafka took stay stored (a resend of the transaction stores none twice).
    /// </summary>
    private async Task<IResult> TransactionAsync(List<ObservationMapping> entries, Sender sender, CancellationToken cancellationToken)
    {
        var errors = entries.SelectMany((entry, i) => entry.Errors.Select(issue => (entry.Status, Issue: InEntry(issue, i)))).ToList();
        foreach (var (entry, i) in entries.Select((entry, i) => (entry, i)))
        {
            foreach (var value in entry.Values)
            {
                if (Precheck(value.Reading, sender) is { } refused)
                {
                    errors.Add((Of(refused.Reason).Status, InEntry(Refused(refused.Reason, refused.Detail, value.Expression), i)));
                }
            }
        }
        if (errors.Count > 0)
        {
            LogRefused(logger, entries.Count);
            return Answer(errors[0].Status, Outcome(errors.Select(e => e.Issue)
                .Append(Issue(IssueSeverity.Information, IssueType.Informational, "the transaction was refused whole: nothing of it was stored"))));
        }
        var (answers, failure) = await IngestAsync(entries, sender, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }
        var refusedEntries = answers.Select((answer, i) => (answer, i)).Where(a => a.answer.Id is null).ToList();
        if (refusedEntries.Count > 0)
        {
            var stored = answers.Count(a => a.Id is not null);
            return Answer(refusedEntries[0].answer.Status, Outcome(refusedEntries
                .SelectMany(a => a.answer.Outcome.Issue.Select(issue => InEntry(issue, a.i)))
                .Append(Issue(IssueSeverity.Warning, IssueType.Incomplete,
                    $"refused after ingestion began: {stored} of its {answers.Count} Observations were stored; resend the transaction later, what was stored is not stored twice"))));
        }
        var response = new Bundle { Type = Bundle.BundleType.TransactionResponse };
        response.Entry.AddRange(answers.Select(answer => new Bundle.EntryComponent { Response = Response(answer) }));
        return Answer(StatusCodes.Status200OK, response);
    }

    /// <summary>Why the core would refuse <paramref name="reading"/> now, or null when it would take it.</summary>
    private (RejectionReason Reason, string Detail)? Precheck(VitalSignReading reading, Sender sender)
    {
        if (credentials.MaySend(sender, reading.DeviceId) is not DeviceStanding.Allowed and var standing)
        {
            return (RejectionReason.DeviceMismatch, standing switch
            {
                DeviceStanding.Revoked => "the device is revoked",
                DeviceStanding.Unknown => "the device is not registered",
                _ => "the sender may not send for this device",
            });
        }
        var validation = validator.Validate(reading);
        return validation.Accepted ? null : (validation.Reason, validation.Detail);
    }

    /// <summary>
    /// Hands the readings of <paramref name="observations"/> to the core in one batch, in observation order, and answers
    /// each Observation; or, when Kafka did not take them or they are too many, the answer to the whole request.
    /// </summary>
    private async Task<(IReadOnlyList<ObservationAnswer> Answers, IResult? Failure)> IngestAsync(
        IReadOnlyList<ObservationMapping> observations, Sender sender, CancellationToken cancellationToken)
    {
        var origin = new Dictionary<VitalSignReading, (ObservedValue Value, int Observation)>(ReferenceEqualityComparer.Instance);
        var ordered = new List<VitalSignReading>();
        for (var i = 0; i < observations.Count; i++)
        {
            foreach (var value in observations[i].Values)
            {
                origin[value.Reading] = (value, i);
                ordered.Add(value.Reading);
            }
        }
        DerivedIdentity.Order(ordered);
        var ack = new IngestAck();
        try
        {
            await ingestor.IngestAsync(ordered, sender, 0, ack, cancellationToken);
        }
        catch (BatchTooLargeException ex)
        {
            return ([], Refusal(StatusCodes.Status413PayloadTooLarge, IssueType.TooCostly, ex.Message));
        }
        catch (ReadingsNotStoredException ex)
        {
            LogNotStored(logger);
            return ([], Refusal(StatusCodes.Status503ServiceUnavailable, IssueType.Transient, ex.Message, TimeSpan.FromSeconds(1)));
        }
        catch (ConsumersBehindException ex)
        {
            return ([], Refusal(StatusCodes.Status503ServiceUnavailable, IssueType.Transient, ex.Message, ex.RetryAfter));
        }
        var refusals = ack.Rejections.ToLookup(r => origin[ordered[(int)r.Index]].Observation);
        var answers = new List<ObservationAnswer>(observations.Count);
        for (var i = 0; i < observations.Count; i++)
        {
            var mapping = observations[i];
            var refused = refusals[i].ToList();
            if (refused.Count == 0)
            {
                var first = mapping.Values[0].Reading;
                var stored = Issue(IssueSeverity.Information, IssueType.Informational, $"stored: {mapping.Values.Count} reading(s)");
                answers.Add(new ObservationAnswer(StatusCodes.Status201Created, Outcome(mapping.Warnings.Prepend(stored)), IdOf(first)));
                continue;
            }
            var issues = refused.Select(r => Refused(r.Reason, r.Detail, origin[ordered[(int)r.Index]].Value.Expression)).ToList();
            if (refused.Count < mapping.Values.Count)
            {
                issues.Add(Issue(IssueSeverity.Information, IssueType.Informational, $"{mapping.Values.Count - refused.Count} other reading(s) of the Observation were stored"));
            }
            answers.Add(new ObservationAnswer(Of(refused[0].Reason).Status, Outcome(issues.Concat(mapping.Warnings))));
        }
        LogRefused(logger, answers.Count(a => a.Id is null));
        return (answers, null);
    }

    /// <summary>
    /// The id the Location of a created Observation names: the SHA-256 of the first reading's event id, in lower-case
    /// hex (64 characters, a valid FHIR id whatever the device id holds). It is not served back.
    /// </summary>
    internal static string IdOf(VitalSignReading reading) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ReadingIngestor.EventId(reading.DeviceId, reading.BootId, reading.SequenceNumber))));

    private ObservationMapping PrepareEntry(Bundle.EntryComponent entry)
    {
        var url = entry.Request?.Url?.Trim().TrimEnd('/');
        if (entry.Resource is not Observation observation || entry.Request?.Method != Bundle.HTTPVerb.POST
            || url is null || !(url == "Observation" || url.EndsWith("/Observation", StringComparison.Ordinal)))
        {
            return new ObservationMapping([], [], [Error(IssueType.NotSupported, "an entry must POST an Observation (request.method POST, request.url Observation)")],
                StatusCodes.Status400BadRequest);
        }
        return Prepare(observation);
    }

    /// <summary>The Observation validated against its vital-signs profile and mapped to readings.</summary>
    private ObservationMapping Prepare(Observation observation)
    {
        var invalid = profiles.Errors(observation);
        var mapping = readings.Map(observation);
        return invalid.Count == 0 ? mapping : mapping with { Values = [], Errors = [.. invalid, .. mapping.Errors] };
    }

    private async Task<(Sender? Sender, Resource? Resource, IResult? Refusal)> ReceiveAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var (sender, unauthenticated) = await FhirSenders.AuthenticateAsync(http);
        if (unauthenticated is not null)
        {
            return (null, null, unauthenticated);
        }
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !MediaTypes.Contains(mediaType.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            return (null, null, Refusal(StatusCodes.Status415UnsupportedMediaType, IssueType.NotSupported,
                $"send JSON: Content-Type {MediaType} or application/json"));
        }
        var (body, tooLarge) = await ReadAsync(http.Request, cancellationToken);
        if (tooLarge is not null)
        {
            return (null, null, tooLarge);
        }
        try
        {
            var reader = new Utf8JsonReader(body);
            return (sender, Deserializer.DeserializeResource(ref reader), null);
        }
        catch (DeserializationFailedException ex)
        {
            return (null, null, Answer(StatusCodes.Status400BadRequest, Outcome(ex.Exceptions.Take(20).Select(e => Error(IssueType.Structure, e.Message)))));
        }
        catch (JsonException ex)
        {
            return (null, null, Refusal(StatusCodes.Status400BadRequest, IssueType.Structure, $"the body is not FHIR JSON: {ex.Message}"));
        }
    }

    /// <summary>The body, up to <see cref="FhirOptions.MaxBodyBytes"/>; a larger one is refused before more of it is read.</summary>
    private async Task<(byte[] Body, IResult? TooLarge)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxBodyBytes;
        var tooLarge = Refusal(StatusCodes.Status413PayloadTooLarge, IssueType.TooCostly, $"a request body holds at most {limit} bytes");
        if (request.ContentLength > limit)
        {
            return ([], tooLarge);
        }
        using var body = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (body.Length + read > limit)
                {
                    return ([], tooLarge);
                }
                body.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return (body.ToArray(), null);
    }

    private static Bundle.ResponseComponent Response(ObservationAnswer answer) => new()
    {
        Status = $"{answer.Status} {ReasonPhrases.GetReasonPhrase(answer.Status)}",
        Location = answer.Id is null ? null : $"Observation/{answer.Id}",
        Outcome = answer.Outcome,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} Observations refused")]
    private static partial void LogRefused(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka did not take the readings of a FHIR request; the sender was told to resend")]
    private static partial void LogNotStored(ILogger logger);
}
