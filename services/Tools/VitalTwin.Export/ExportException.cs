namespace VitalTwin.Export;

/// <summary>An export that cannot be completed; the message says why and what to do, and names no patient.</summary>
internal sealed class ExportException : Exception
{
    public ExportException()
    {
    }

    public ExportException(string message)
        : base(message)
    {
    }

    public ExportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
