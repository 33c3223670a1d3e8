namespace Kiln.Engine;

/// <summary>Log of one build. Lines carry the build's name and pass through the redactor before they are written.</summary>
public interface IBuildLog
{
    void Info(string message);

    void Warn(string message);

    void Error(string message);

    void Verbose(string message);

    /// <summary>A line of a remote or local command's output.</summary>
    void Output(string line, bool isError = false);
}
