using Kiln.Model;

namespace Kiln.Engine;

/// <summary>
/// Progress of one build: long work (downloads, conversions, uploads) as a bar on a terminal and periodic lines on CI,
/// and the step it is in.
/// </summary>
public interface IProgressSink
{
    IProgressTask Start(string description, long? total = null);

    /// <summary>Called by the pipeline as each step starts, so a live view can show where the build is.</summary>
    void StepStarted(string step, Stage stage)
    {
    }
}

public interface IProgressTask : IDisposable
{
    void Advance(long amount);

    void SetTotal(long total);
}
