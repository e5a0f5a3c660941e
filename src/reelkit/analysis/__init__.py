"""Detectors over media: shots, speech, subjects, motion, loudness, color statistics."""
