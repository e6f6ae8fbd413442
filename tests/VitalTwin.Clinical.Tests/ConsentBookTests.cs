using VitalTwin.Clinical.Consent;

namespace VitalTwin.Clinical.Tests;

public class ConsentBookTests
{
    private static readonly DateTimeOffset RecordedAt = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(ConsentStatus.Monitoring, WithoutConsentRecord.Monitor, true)]
    [InlineData(ConsentStatus.Monitoring, WithoutConsentRecord.Refuse, true)]
    [InlineData(ConsentStatus.Refused, WithoutConsentRecord.Monitor, false)]
    [InlineData(ConsentStatus.Refused, WithoutConsentRecord.Refuse, false)]
    [InlineData(ConsentStatus.Withdrawn, WithoutConsentRecord.Monitor, false)]
    [InlineData(ConsentStatus.Withdrawn, WithoutConsentRecord.Refuse, false)]
    [InlineData(ConsentStatus.Unreadable, WithoutConsentRecord.Monitor, false)]
    [InlineData(ConsentStatus.Unreadable, WithoutConsentRecord.Refuse, false)]
    public void A_record_decides_whatever_the_default(ConsentStatus status, WithoutConsentRecord withoutRecord, bool mayProcess)
    {
        var book = new ConsentBook(withoutRecord);
        book.Apply(Consent("patient-1", status));

        Assert.Equal(mayProcess, book.MayProcess("patient-1"));
        Assert.Equal(mayProcess, ConsentBook.MayProcess(Consent("patient-1", status), withoutRecord));
    }

    [Theory]
    [InlineData(WithoutConsentRecord.Monitor, true)]
    [InlineData(WithoutConsentRecord.Refuse, false)]
    public void Without_a_record_the_deployments_default_decides(WithoutConsentRecord withoutRecord, bool mayProcess)
    {
        var book = new ConsentBook(withoutRecord);
        book.Apply(Consent("someone-else", ConsentStatus.Monitoring));

        Assert.Null(book.Find("patient-1"));
        Assert.Equal(mayProcess, book.MayProcess("patient-1"));
        Assert.Equal(mayProcess, ConsentBook.MayProcess(null, withoutRecord));
    }

    [Fact]
    public void The_last_record_applied_is_the_patients_consent()
    {
        var book = new ConsentBook(WithoutConsentRecord.Monitor);
        book.Apply(Consent("patient-1", ConsentStatus.Monitoring));
        book.Apply(Consent("patient-1", ConsentStatus.Withdrawn));

        Assert.False(book.MayProcess("patient-1"));
        Assert.Equal(ConsentStatus.Withdrawn, book.Find("patient-1")?.Status);

        // Consent given again after a withdrawal: monitoring may resume.
        book.Apply(Consent("patient-1", ConsentStatus.Monitoring) with { ResearchAllowed = true });
        Assert.True(book.MayProcess("patient-1"));
        Assert.True(book.Find("patient-1")?.ResearchAllowed);
        Assert.Equal(1, book.Count);
    }

    [Fact]
    public void A_forgotten_monitoring_record_leaves_the_patient_to_the_default()
    {
        var book = new ConsentBook(WithoutConsentRecord.Refuse);
        book.Apply(Consent("patient-1", ConsentStatus.Monitoring));
        book.Apply(Consent("patient-2", ConsentStatus.Monitoring));

        book.Forget("patient-1");
        book.Forget("never-recorded");

        Assert.Null(book.Find("patient-1"));
        Assert.False(book.MayProcess("patient-1"));
        Assert.True(book.MayProcess("patient-2"));
        Assert.Equal(1, book.Count);
    }

    [Theory]
    [InlineData(ConsentStatus.Refused)]
    [InlineData(ConsentStatus.Withdrawn)]
    [InlineData(ConsentStatus.Unreadable)]
    public void Forgetting_a_refusal_grants_nothing_it_stays_in_force_until_a_monitoring_record(ConsentStatus status)
    {
        var book = new ConsentBook(WithoutConsentRecord.Monitor);
        book.Apply(Consent("patient-1", ConsentStatus.Monitoring));
        book.Apply(Consent("patient-1", status));

        book.Forget("patient-1");

        Assert.False(book.MayProcess("patient-1"));
        Assert.Equal(status, book.Find("patient-1")?.Status);
        book.Apply(Consent("patient-1", ConsentStatus.Monitoring));
        Assert.True(book.MayProcess("patient-1"));
    }

    [Fact]
    public void Patient_ids_are_compared_exactly()
    {
        var book = new ConsentBook(WithoutConsentRecord.Monitor);
        book.Apply(Consent("Patient-1", ConsentStatus.Refused));

        Assert.False(book.MayProcess("Patient-1"));
        Assert.True(book.MayProcess("patient-1"));
    }

    [Fact]
    public void An_unreadable_record_counts_as_a_refusal_with_nothing_else_known()
    {
        var unreadable = PatientConsent.Unreadable("patient-1", RecordedAt);

        Assert.False(unreadable.AllowsMonitoring);
        Assert.False(unreadable.ResearchAllowed);
        Assert.Equal((string.Empty, string.Empty), (unreadable.RecordedBy, unreadable.Reference));
    }

    [Fact]
    public void Only_defined_defaults_pass_option_validation()
    {
        Assert.True(IsValid(new ConsentOptions()));
        Assert.Equal(WithoutConsentRecord.Monitor, new ConsentOptions().WithoutRecord);
        Assert.True(IsValid(new ConsentOptions { WithoutRecord = WithoutConsentRecord.Refuse }));
        Assert.False(IsValid(new ConsentOptions { WithoutRecord = (WithoutConsentRecord)7 }));
    }

    [Fact]
    public void A_record_without_a_patient_is_refused()
    {
        var book = new ConsentBook(WithoutConsentRecord.Monitor);

        Assert.Throws<ArgumentException>(() => book.Apply(Consent(string.Empty, ConsentStatus.Refused)));
        Assert.Equal(0, book.Count);
    }

    private static PatientConsent Consent(string patientId, ConsentStatus status) =>
        new(patientId, status, ResearchAllowed: false, RecordedAt, "registrar-1", "form-17");

    private static bool IsValid(ConsentOptions options) =>
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), null, validateAllProperties: true);
}
