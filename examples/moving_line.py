"""A CNN-LSTM watches 10-frame 50x50 videos and says which way a vertical line moves."""

from lstmkit.demos.moving_line import run_moving_line

result = run_moving_line(n_frames=10, size=50, seed=0, plot="moving_line.png")
model, baseline = result["metrics"]["cnn-lstm"], result["metrics"]["majority class"]
print(f"accuracy on 1,000 fresh videos: {model['accuracy']:.3f} "
      f"(majority class {baseline['accuracy']:.3f}) after {result['timings']['train']:.1f} s "
      f"of training on {model['videos_seen']:,} videos")
print(f"one video's frames: {result['files']['plot']}")
