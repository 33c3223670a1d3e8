namespace Kiln.Pipeline;

/// <summary>Progress of long work (downloads, conversions, uploads): a bar on a terminal, periodic lines on CI.</summary>
public interface IProgressSink
{
    IProgressTask Start(string description, long? total = null);
}

public interface IProgressTask : IDisposable
{
    void Advance(long amount);

    void SetTotal(long total);
}
