using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Export.Consent;
using VitalTwin.Export.Dataset;
using VitalTwin.Export.Pseudonymisation;

namespace VitalTwin.Export;

/// <summary>
/// One export: who may be exported (the consent topic), their readings over the range (the history store), written
/// under pseudonyms with shifted times. Patients go in pseudonym order, so not even the order of rows follows an id.
/// </summary>
internal sealed class PopulationExport(
    ConsentTopicReader consent,
    PatientHistoryReader history,
    Pseudonymiser pseudonymiser,
    IOptions<ExportOptions> options,
    TimeProvider time,
    ILogger<PopulationExport> logger)
{
    /// <exception cref="ExportException">The export cannot be made as asked; nothing that looks like a dataset is left behind.</exception>
    public async Task<ExportManifest> RunAsync(ExportRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var minimum = options.Value.MinimumPatients;
        var (cohort, partitions) = consent.Read(ct);
        var patients = cohort.ResearchConsented
            .Select(id => (Id: id, Pseudonym: pseudonymiser.Pseudonym(id)))
            .OrderBy(patient => patient.Pseudonym, StringComparer.Ordinal)
            .ToList();
        ExportLog.ConsentRead(logger, cohort.PatientsWithRecord, patients.Count, partitions);
        if (patients.Count < minimum)
        {
            throw TooFew(patients.Count, minimum, "research-consented patients");
        }

        await using var writer = await DatasetWriter.CreateAsync(request.OutputDirectory, ct);
        ExportLog.Started(logger, patients.Count, request.From, request.To, writer.DirectoryPath, pseudonymiser.KeyId);
        var perLoinc = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long readings = 0;
        var exported = 0;
        var lastProgress = time.GetTimestamp();
        for (var done = 0; done < patients.Count;)
        {
            var (id, pseudonym) = patients[done];
            var shift = pseudonymiser.TimeShift(id);
            var any = false;
            await foreach (var slice in history.ReadAsync(id, request.From, request.To, ct))
            {
                await writer.WriteAsync(pseudonym, slice, shift, ct);
                readings += slice.Count;
                any = true;
                foreach (var reading in slice)
                {
                    perLoinc[reading.Loinc] = perLoinc.GetValueOrDefault(reading.Loinc) + 1;
                }
            }

            exported += any ? 1 : 0;
            done++;
            if (done == patients.Count || time.GetElapsedTime(lastProgress) >= options.Value.ProgressInterval)
            {
                ExportLog.Progress(logger, done, patients.Count, readings);
                lastProgress = time.GetTimestamp();
            }
        }

        if (exported < minimum)
        {
            throw TooFew(exported, minimum, "patients with readings in the range");
        }

        var manifest = await writer.CompleteAsync(data => new ExportManifest(
            ExportManifest.CurrentFormat,
            time.GetUtcNow(),
            new ExportRange(request.From, request.To),
            new PseudonymisationDescription(Pseudonymiser.Scheme, Pseudonymiser.PseudonymBytes * 8, pseudonymiser.KeyId, Pseudonymiser.TimeShiftScheme),
            new ExportCounts(cohort.PatientsWithRecord, patients.Count, exported, readings, perLoinc),
            data,
            ExportManifest.OmittedFields), ct);
        ExportLog.Completed(logger, exported, readings, manifest.Data.Bytes, time.GetElapsedTime(started).TotalSeconds);
        return manifest;
    }

    private ExportException TooFew(int count, int minimum, string what)
    {
        ExportLog.TooFewPatients(logger, count, minimum);
        return new ExportException(
            $"Only {count} {what}, fewer than Export:MinimumPatients ({minimum}): so small a dataset is too easy to re-identify. "
            + "Widen the range, or lower Export:MinimumPatients if the data's recipient is entitled to it.");
    }
}
